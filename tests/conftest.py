"""Fixtures shared by the suite: the catalogue, users of every role, an open round, and files to upload."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from collection.catalogue.load import catalogue_load
from collection.lib.labels import labels_forget
from collection.lib.queue import queue_names
from collection.models import Country
from collection.review.decisions import submission_submit
from ilms_portal.celery import app as celery_app
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the catalogue once into the test database (transactional tests reload it when they flushed it)."""
    with django_db_blocker.unblock():
        catalogue_load()


@pytest.fixture(scope="session", autouse=True)
def test_queue():
    """Tasks sent by the suite go to a queue of their own, never to a `make run` worker's queue."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:8]}"
    yield celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = previous


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Uploaded files go to a temporary folder per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield settings.MEDIA_ROOT
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing demo passwords with the production hasher would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sessions_outlast_time_travel(settings):
    """Many tests travel days or months ahead (embargoes, deadlines) with a client signed in before; a session
    ends a working day after sign-in (SESSION_COOKIE_AGE), which tests/people/test_security_sessions.py tests."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 60 * 60


@pytest.fixture(autouse=True)
def fresh_throttles(settings):
    """API rate limits count from zero in each test, and far apart: the whole suite asks from one address, some
    tests hundreds of times under a frozen clock. tests/test_security_headers.py lowers them to show they hold."""
    cache.clear()
    rates = {scope: "100000/minute" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture(autouse=True)
def fresh_labels():
    """Each test reads the catalogue's labels afresh: a label a test changed is rolled back in the database,
    and a rollback sends no signal to forget it."""
    yield
    labels_forget()


@pytest.fixture
def catalogue(db):
    if not Country.objects.exists():
        catalogue_load()


@pytest.fixture
def open_round(catalogue):
    return factories.make_round()


@pytest.fixture
def focal_point(catalogue):
    return factories.make_user("fp_tha", "focal_point", ["THA"])


@pytest.fixture
def other_focal_point(catalogue):
    return factories.make_user("fp_mys", "focal_point", ["MYS"])


@pytest.fixture
def reviewer(catalogue):
    return factories.make_user("reviewer", "reviewer")


@pytest.fixture
def admin_user(catalogue):
    return factories.make_user("admin", "admin")


@pytest.fixture
def second_region(admin_user):
    """South Asia beside ASEAN, made through the region service: eight ISO countries new to the catalogue."""
    return factories.make_region(admin_user)


@pytest.fixture
def npl_focal_point(second_region):
    """Nepal's focal point, in the second region."""
    return factories.make_user("fp_npl", "focal_point", ["NPL"])


@pytest.fixture
def people(focal_point, other_focal_point, reviewer, admin_user) -> dict:
    """One person per role, keyed as the access tests name them."""
    return {
        "anonymous": None,
        "fp_tha": focal_point,
        "fp_mys": other_focal_point,
        "reviewer": reviewer,
        "admin": admin_user,
    }


@pytest.fixture
def tha_valid(focal_point, open_round):
    """A valid submission of Thailand's, checked in this process."""
    return factories.validated(focal_point, open_round)


@pytest.fixture
def tha_submitted(focal_point, tha_valid):
    return submission_submit(user=focal_point, submission=tha_valid)


@pytest.fixture
def api():
    return APIClient()


def pytest_configure(config):
    # The suite never sends real e-mail and never needs DEBUG.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MAIL_BY_WORKER = False  # mail sent in-process, to mail.outbox (tests/test_queues.py: the mail queue)


def database_url() -> str:
    """The test database as a URL, so the worker process opens the very same database."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path, settings, test_queue):
    """A real worker on the suite's queue and broker, reading the test database and media."""
    queue = test_queue
    settings.MEDIA_ROOT = str(tmp_path / "media")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ilms_portal",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "-Q",
            ",".join(queue_names(queue)),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)
    log.close()
    print((tmp_path / "worker.log").read_text()[-3000:])


@pytest.fixture
def page(live_server):
    """A page of Debian's chromium (Playwright never downloads a browser here), downloads accepted."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM, SHOTS

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test's own ORM calls beside Playwright's loop
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.fixture
def as_role(client, people):
    """`as_role("fp_mys")` gives the test client signed in as that person (or anonymous)."""

    def sign_in(role: str):
        if people[role] is not None:
            client.force_login(people[role])
        return client

    return sign_in
