"""Each person's API token: created, rotated (the old key stops at once) and revoked by its owner, on their
account page and through the API, for every role; the anonymous get nothing; every change is audited."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from collection.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
OWNERS = ["fp_tha", "reviewer", "admin"]


def works(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/rounds/").status_code


def token_entries(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="user.token_", object_id=str(user.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# The page


def test_the_anonymous_are_sent_to_sign_in(client):
    for answer in (client.get("/account/api-token/"), client.post("/account/api-token/", {"action": "create"})):
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert not Token.objects.exists()


@pytest.mark.parametrize("role", OWNERS)
def test_an_owner_creates_rotates_and_revokes_their_token_on_their_page(client, people, role):
    user = people[role]
    client.force_login(user)
    page = client.get("/account/api-token/")
    assert page.status_code == 200 and "You have no API token." in page.text
    created = client.post("/account/api-token/", {"action": "create"}, follow=True)
    first = Token.objects.get(user=user).key
    assert first in created.text and "copy it now" in created.text
    again = client.get("/account/api-token/")
    assert first not in again.text and "You have a token, created on" in again.text  # shown once
    assert works(first) == 200
    rotated = client.post("/account/api-token/", {"action": "rotate"}, follow=True)
    second = Token.objects.get(user=user).key
    assert second != first and second in rotated.text
    assert works(first) == 401 and works(second) == 200
    revoked = client.post("/account/api-token/", {"action": "revoke"}, follow=True)
    assert "Your API token is revoked" in revoked.text and "You have no API token." in revoked.text
    assert works(second) == 401 and not Token.objects.filter(user=user).exists()
    assert token_entries(user) == [
        AuditAction.USER_TOKEN_CREATED,
        AuditAction.USER_TOKEN_ROTATED,
        AuditAction.USER_TOKEN_REVOKED,
    ]
    stored = " ".join(str(e.detail) + e.summary for e in AuditEntry.objects.all())
    assert first not in stored and second not in stored  # never the key


def test_each_page_shows_only_its_owners_token(client, people):
    theirs = Token.objects.create(user=people["fp_mys"])
    client.force_login(people["fp_tha"])
    assert "You have no API token." in client.get("/account/api-token/").text
    client.post("/account/api-token/", {"action": "revoke"})
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_a_second_create_or_an_unknown_action_says_why(client, people):
    client.force_login(people["fp_tha"])
    client.post("/account/api-token/", {"action": "create"})
    key = Token.objects.get().key
    again = client.post("/account/api-token/", {"action": "create"}, follow=True)
    assert "You already have an API token" in again.text and Token.objects.get().key == key
    odd = client.post("/account/api-token/", {"action": "steal"}, follow=True)
    assert odd.status_code == 200 and "Choose Create, Rotate or Revoke." in odd.text


def test_the_e_mail_settings_page_links_to_the_token_page(client, people):
    client.force_login(people["reviewer"])
    assert 'href="/account/api-token/"' in client.get("/account/notifications/").text


# The API


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/token/"),
        ("post", "/api/v1/token/"),
        ("delete", "/api/v1/token/"),
        ("post", "/api/v1/token/rotate/"),
    ],
)
def test_the_api_answers_the_anonymous_401(method, path):
    assert getattr(APIClient(), method)(path).status_code == 401
    assert not Token.objects.exists()


@pytest.mark.parametrize("role", OWNERS)
def test_an_owner_manages_their_token_through_the_api_with_the_token_itself(people, role):
    user = people[role]
    session = APIClient()
    session.force_authenticate(user)
    assert session.get("/api/v1/token/").json() == {"exists": False, "created": None}
    made = session.post("/api/v1/token/")
    assert made.status_code == 201 and set(made.json()) == {"key", "created"}
    first = made.json()["key"]
    assert session.post("/api/v1/token/").status_code == 409
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    state = script.get("/api/v1/token/").json()
    assert state["exists"] is True and state["created"] and "key" not in state
    rotated = script.post("/api/v1/token/rotate/")
    second = rotated.json()["key"]
    assert rotated.status_code == 200 and second != first
    assert script.get("/api/v1/token/").status_code == 401  # the old key, at once
    script.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert script.delete("/api/v1/token/").status_code == 204
    assert script.get("/api/v1/token/").status_code == 401
    assert session.delete("/api/v1/token/").status_code == 409
    assert session.post("/api/v1/token/rotate/").status_code == 409
    assert token_entries(user) == [
        AuditAction.USER_TOKEN_CREATED,
        AuditAction.USER_TOKEN_ROTATED,
        AuditAction.USER_TOKEN_REVOKED,
    ]


def test_the_api_touches_only_the_callers_token(people):
    theirs = Token.objects.create(user=people["admin"])
    api = APIClient()
    api.force_authenticate(people["fp_tha"])
    assert api.delete("/api/v1/token/").status_code == 409
    assert api.post("/api/v1/token/rotate/").status_code == 409
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_a_token_made_by_drf_create_token_can_be_rotated_by_its_owner(people):
    call_command("drf_create_token", "reviewer")
    old = Token.objects.get(user=people["reviewer"]).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.post("/api/v1/token/rotate/").status_code == 200 and works(old) == 401


def test_the_schema_documents_the_token_endpoints(people):
    client = Client()
    client.force_login(people["admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/token/"]) >= {"get", "post", "delete"} and "post" in paths["/api/v1/token/rotate/"]
    assert set(paths["/api/v1/token/rotate/"]["post"]["responses"]) >= {"200", "401", "409", "429"}
