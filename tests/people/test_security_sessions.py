"""A session ends a working day after sign-in, however busy it was, and signing out ends it at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from ilms_portal import settings as portal_settings
from tests import factories

pytestmark = pytest.mark.django_db
WORKING_DAY = 9 * 60 * 60


@pytest.fixture
def working_day(settings):
    """The production age (the suite's conftest stretches it for tests that travel in time)."""
    assert portal_settings.SESSION_COOKIE_AGE == WORKING_DAY
    settings.SESSION_COOKIE_AGE = WORKING_DAY


def sign_in(client: Client) -> None:
    answer = client.post("/accounts/login/", {"username": "fp_tha", "password": factories.PASSWORD})
    assert answer.status_code == 302


def test_a_session_ends_nine_hours_after_sign_in_even_when_used_all_day(client, people, working_day):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    for hours in range(1, 9):  # busy all day: a page every hour, a message saved in the session
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert client.get("/account/notifications/").status_code == 200
            client.post("/account/notifications/", {"round_opened": "on"})
    with time_machine.travel(start + dt.timedelta(hours=9, minutes=1), tick=False):
        answer = client.get("/account/notifications/")
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_the_cookie_says_when_the_session_ends(client, people, working_day):
    sign_in(client)
    assert client.cookies["sessionid"]["max-age"] in (WORKING_DAY, WORKING_DAY - 1)


def test_signing_out_deletes_the_session(client, people):
    sign_in(client)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key  # the old cookie, kept by someone
    answer = replay.get("/account/notifications/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
