"""Sign-in lockout (django-axes): wrong passwords on the sign-in page and the admin's, unknown API tokens, invalid
password-reset links; the limit on reset e-mails; failures and locks in the audit log; unlocking by an admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from collection.models import AuditAction, AuditEntry
from collection.people.signin import API_TOKEN_DOOR, RESET_LINK_DOOR
from tests import factories

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-at-all"
COOL_OFF = dt.timedelta(minutes=15, seconds=30)


def sign_in(client: Client, username: str = "fp_tha", password: str = WRONG, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_lock_after_five_and_the_right_one_is_refused_till_the_cool_off(client, people):
    answers = [sign_in(client).status_code for _ in range(30)]
    assert answers[:4] == [200] * 4  # the form again, "did not match"
    assert answers[4:] == [429] * 26
    locked = sign_in(client, password=factories.PASSWORD)
    assert locked.status_code == 429 and not signed_in(client)
    assert "Try again at" in locked.text and 'href="/accounts/password_reset/"' in locked.text
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # Attempts during the lock were not counted, so it ends 15 minutes after the fifth failure.
    assert AccessAttempt.objects.get(username="fp_tha").failures_since_start == 5
    with time_machine.travel(timezone.now() + COOL_OFF):
        assert sign_in(client, password=factories.PASSWORD).status_code == 302 and signed_in(client)
    assert not AccessAttempt.objects.filter(username="fp_tha").exists()  # a right sign-in clears the count


def test_the_form_says_the_password_did_not_match_before_the_lock(client, people):
    assert "did not match" in sign_in(client).text


def test_a_right_sign_in_clears_earlier_failures(client, people):
    for _ in range(4):
        sign_in(client)
    assert sign_in(client, password=factories.PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert [sign_in(client).status_code for _ in range(5)] == [200] * 4 + [429]


def test_the_lock_is_of_one_username_from_one_address(client, people):
    for _ in range(5):
        sign_in(client)
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere, password=factories.PASSWORD).status_code == 302  # an attacker cannot lock you out
    colleague = Client()  # the same office address, another account
    assert sign_in(colleague, "fp_mys", factories.PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_too(people):
    admin = Client()
    for _ in range(5):
        admin.post("/admin/login/", {"username": "admin", "password": WRONG})
    answer = admin.post("/admin/login/?next=/admin/", {"username": "admin", "password": factories.PASSWORD})
    assert answer.status_code == 429 and not signed_in(admin)


def test_failures_and_the_lock_are_in_the_audit_log_with_the_username_and_address_never_the_password(client, people):
    for _ in range(6):
        sign_in(client, password="Secret-guess-1")
    sign_in(client, "nobody-here", "Secret-guess-2")
    failed = AuditEntry.objects.filter(action=AuditAction.USER_SIGNIN_FAILED).order_by("pk")
    assert [e.summary for e in failed] == [
        *(f"Failed sign-in as fp_tha ({n} of 5)." for n in range(1, 6)),
        "Refused sign-in as fp_tha: locked out.",
        "Failed sign-in as nobody-here (1 of 5).",
    ]
    first = failed[0]
    assert first.ip == "127.0.0.1" and first.object_id == str(people["fp_tha"].pk) and first.actor is None
    assert first.detail == {"username": "fp_tha"} and failed.last().object_id == ""
    (lock,) = AuditEntry.objects.filter(action=AuditAction.USER_LOCKED_OUT)
    assert lock.summary == "Locked out sign-in as fp_tha after 5 failures, for 0:15:00." and lock.ip == "127.0.0.1"
    stored = [str(e.detail) + e.summary for e in AuditEntry.objects.all()]
    stored += [a.post_data + a.get_data for a in AccessAttempt.objects.all()]
    assert not any("Secret-guess" in text for text in stored)


def test_the_audit_page_lists_failed_sign_ins(client, people):
    sign_in(client)
    client.force_login(people["admin"])
    page = client.get("/audit/", {"action": AuditAction.USER_SIGNIN_FAILED})
    assert page.status_code == 200 and "Failed sign-in as fp_tha (1 of 5)." in page.text


@pytest.mark.parametrize("trusted", [True, False])
def test_behind_a_proxy_axes_and_the_audit_log_take_the_same_address(client, people, settings, trusted):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = trusted
    for n in range(5):  # a different forwarded address each time: only a trusted proxy's header counts
        sign_in(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n if not trusted else 7}, 10.0.0.1")
    expected = "198.51.100.7" if trusted else "127.0.0.1"
    assert set(AuditEntry.objects.filter(action=AuditAction.USER_SIGNIN_FAILED).values_list("ip", flat=True)) == {
        expected
    }
    assert AccessAttempt.objects.get().ip_address == expected
    refused = sign_in(client, password=factories.PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert refused.status_code == (302 if trusted else 429)  # a spoofed header escapes nothing untrusted


def test_an_admin_unlocks_with_the_command_or_sees_the_attempts_in_the_admin(client, people):
    for _ in range(5):
        sign_in(client)
    admin = Client()
    admin.force_login(people["admin"])
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "fp_tha" in listing.text
    call_command("axes_reset_username", "fp_tha")
    assert sign_in(client, password=factories.PASSWORD).status_code == 302


def test_the_test_client_login_still_works(client, people):
    """authenticate() without a request (client.login) goes to the password check; axes has no address."""
    assert not client.login(username="fp_tha", password=WRONG)
    assert client.login(username="fp_tha", password=factories.PASSWORD)


# Unknown API tokens


def test_five_unknown_tokens_lock_the_address_out_of_the_api_even_with_a_good_token(people):
    good = Token.objects.create(user=people["reviewer"]).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    answers = [api.get("/api/v1/rounds/") for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 4 + [429] * 2
    assert "try again at" in answers[4].json()["detail"] and int(answers[4]["Retry-After"]) > 0
    api.credentials(HTTP_AUTHORIZATION=f"Token {good}")
    refused = api.get("/api/v1/rounds/")
    assert refused.status_code == 429 and "Too many unknown API tokens" in refused.json()["detail"]
    other = APIClient(REMOTE_ADDR="203.0.113.9")
    other.credentials(HTTP_AUTHORIZATION=f"Token {good}")
    assert other.get("/api/v1/rounds/").status_code == 200
    with time_machine.travel(timezone.now() + COOL_OFF):
        assert api.get("/api/v1/rounds/").status_code == 200
    entries = AuditEntry.objects.filter(action=AuditAction.USER_SIGNIN_FAILED, detail__username=API_TOKEN_DOOR)
    assert (
        entries.count() == 5 and entries.first().summary
    )  # refused during the lock without a write == "Failed an unknown API token (1 of 5)."
    assert AuditEntry.objects.filter(action=AuditAction.USER_LOCKED_OUT).count() == 1


def test_requests_without_a_token_are_not_counted(people):
    api = APIClient()
    assert all(api.get("/api/v1/observations/").status_code == 200 for _ in range(8))
    assert not AccessAttempt.objects.exists()


# Password reset


def test_invalid_reset_links_lock_the_address_even_for_a_good_link(client, people):
    user = people["fp_tha"]
    user.email = "fp@mol.go.th"
    user.save()
    answers = [client.get(f"/accounts/reset/MQ/guess-{n}/") for n in range(5)]
    assert [a.status_code for a in answers] == [200] * 4 + [429]
    assert "This link no longer works" in answers[0].text
    assert "password-reset links" in answers[4].text
    client.post("/accounts/password_reset/", {"email": "fp@mol.go.th"})
    link = mail.outbox[-1].body.split("http://testserver")[-1].split()[0]
    assert client.get(link).status_code == 429
    with time_machine.travel(timezone.now() + COOL_OFF):
        assert client.get(link).status_code == 302  # Django swaps the token for the session
    assert (
        AuditEntry.objects.filter(action=AuditAction.USER_SIGNIN_FAILED, detail__username=RESET_LINK_DOOR).count() == 5
    )


@pytest.mark.parametrize("email", ["fp@mol.go.th", "nobody@nowhere.example"])
def test_reset_e_mails_are_limited_per_address_typed_and_say_the_same_for_any_address(client, people, email):
    user = people["fp_tha"]
    user.email = "fp@mol.go.th"
    user.save()
    answers = [client.post("/accounts/password_reset/", {"email": email}) for _ in range(4)]
    assert [a.status_code for a in answers] == [302] * 3 + [429]
    assert "Too many reset links were asked for from here or for this address. Try again at" in answers[3].text
    assert len(mail.outbox) == (3 if email.startswith("fp@") else 0)
    assert AuditEntry.objects.filter(action=AuditAction.USER_RESET_REQUESTED, ip="127.0.0.1").count() == 3
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        assert client.post("/accounts/password_reset/", {"email": email}).status_code == 302


def test_reset_e_mails_are_limited_per_client(client, people):
    answers = [client.post("/accounts/password_reset/", {"email": f"p{n}@nowhere.example"}) for n in range(11)]
    assert [a.status_code for a in answers] == [302] * 10 + [429]
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/accounts/password_reset/", {"email": "p99@nowhere.example"}).status_code == 302


@pytest.mark.parametrize("header", ["Token " + "k" * 5000, "Token", "Token a b", "Token \xe9\xe9".encode("latin-1")])
def test_a_malformed_token_is_a_counted_401_never_a_500(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/observations/").status_code == 401
    assert AccessAttempt.objects.get(username=API_TOKEN_DOOR).failures_since_start == 1


def test_a_token_with_a_nul_is_refused_before_it_is_looked_up():
    """No key holds a NUL: the request is refused as unreadable (400, saying so), before authentication."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token abc\x00def")
    answer = api.get("/api/v1/observations/")
    assert answer.status_code == 400 and "NUL" in answer.json()["detail"]


@pytest.mark.parametrize("username", ["u" * 400, "fp\x00tha", ""])
def test_odd_usernames_get_the_form_again(client, people, username):
    answer = sign_in(client, username)
    assert answer.status_code == 200 and not signed_in(client)


def test_a_long_username_counts_as_the_username_it_could_be(client, people):
    for _ in range(5):
        sign_in(client, "fp_tha" + "x" * 5000)
    assert AccessAttempt.objects.get().username == "fp_tha" + "x" * 144
    answer = sign_in(client, "fp_tha" + "x" * 6000)  # the same first 150 characters: locked
    assert answer.status_code == 429 and "Try again at" in answer.text
    assert len(AuditEntry.objects.filter(action=AuditAction.USER_SIGNIN_FAILED).last().detail["username"]) == 150


@pytest.mark.parametrize("path", ["/accounts/reset/MQ/abc%00def/", "/accounts/reset/%00/x/"])
def test_a_reset_link_with_a_nul_is_refused_as_unreadable(people, path):
    answer = Client().get(path)
    assert answer.status_code == 400 and "This request cannot be read" in answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/" + "Q" * 300 + "/x-y/",
        "/accounts/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/",  # a user id beyond any integer column
    ],
)
def test_odd_reset_links_say_the_link_does_not_work_never_a_500(people, path):
    client = Client(HTTP_USER_AGENT="curl\x00" * 100)
    answer = client.get(path)
    assert answer.status_code == 200 and "This link no longer works" in answer.text
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_nul_bytes_in_the_headers_are_kept_out_of_the_attempts(people):
    client = Client(HTTP_USER_AGENT="a\x00b" * 300, HTTP_ACCEPT="text/html\x00")
    assert sign_in(client).status_code == 200
    assert sign_in(client, password=factories.PASSWORD).status_code == 302
    client.post("/accounts/logout/")
