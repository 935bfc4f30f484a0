"""`PORT` takes a port or host:port, and the links in e-mails follow it unless `PORTAL_URL` says otherwise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def portal_url(**env: str) -> str:
    """settings.PORTAL_URL as a fresh process reads it from the environment."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PORT", "PORTAL_URL")} | env
    code = "import django; django.setup(); from django.conf import settings; print(settings.PORTAL_URL)"
    environ["DJANGO_SETTINGS_MODULE"] = "ilms_portal.settings"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8001"}, "http://127.0.0.1:8001"),
        ({"PORT": "127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        ({"PORT": "0.0.0.0:8001"}, f"http://{socket.gethostname()}:8001"),
        ({"PORT": "8001", "PORTAL_URL": "https://ilms.example.org/"}, "https://ilms.example.org"),
    ],
)
def test_email_links_follow_the_port_the_portal_runs_on(env, expected):
    assert portal_url(**env) == expected
