"""What the browser tests share: Debian's chromium, its flags, the marks, and where screenshots go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(settings.BASE_DIR) / "var" / "screenshots"))

# The one skip mark of every browser test: without Debian's chromium they are skipped, saying how to get it.
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
MARKS = [pytest.mark.worker, pytest.mark.django_db(transaction=True), needs_chromium]


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base_url: str, username: str, then: str) -> None:
    """Sign in through the login page (every test user has factories.PASSWORD) and land on `then`."""
    from tests import factories

    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")
