"""Django's password validators wherever a password is set: add_user, the invitation, the password reset, the
Django admin, the services themselves. (No API endpoint sets a password.)"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from collection.lib.errors import PortalError
from collection.models import Invitation
from collection.people.accounts import user_create_or_update
from collection.people.invitations import user_join
from tests import factories
from tests.people.test_people import INVITEE, invite, link_in, set_password

pytestmark = pytest.mark.django_db
User = get_user_model()
TOO_SHORT = "This password is too short. It must contain at least 8 characters."
TOO_COMMON = "This password is too common."


def test_add_user_refuses_a_one_character_password_with_the_validators_messages(catalogue):
    with pytest.raises(CommandError) as refused:
        call_command("add_user", "boss", "--role", "admin", "--password", "1")
    assert str(refused.value) == f"This password is not accepted: {TOO_SHORT} {TOO_COMMON}"
    assert not User.objects.filter(username="boss").exists()  # nothing half-made


def test_add_user_refuses_a_password_like_the_username_and_keeps_the_old_one(catalogue):
    call_command("add_user", "somchai.p", "--role", "reviewer", "--password", factories.PASSWORD)
    with pytest.raises(CommandError, match="too similar to the username"):
        call_command("add_user", "somchai.p", "--role", "admin", "--password", "somchai.p1")
    user = User.objects.get(username="somchai.p")
    assert user.check_password(factories.PASSWORD) and not user.is_superuser


def test_add_user_still_takes_a_good_password(catalogue):
    call_command("add_user", "boss", "--role", "admin", "--password", "Durian-harvest-2031")
    assert User.objects.get(username="boss").check_password("Durian-harvest-2031")


def test_the_services_refuse_a_weak_password_whoever_calls_them(catalogue, people):
    with pytest.raises(PortalError, match="too short"):
        user_create_or_update(username="x1", role="reviewer", password="abc")
    admin = Client()
    admin.force_login(people["admin"])
    invite(admin)
    with pytest.raises(PortalError, match="too common"):
        user_join(invitation=Invitation.objects.get(), password="password")
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_refuses_a_weak_password(client, people):
    admin = Client()
    admin.force_login(people["admin"])
    invite(admin)
    answer = set_password(client, link_in(mail.outbox[-1]), "1")
    assert answer.status_code == 200 and TOO_SHORT in answer.text
    assert not User.objects.get(username=INVITEE).has_usable_password()
    assert Invitation.objects.get().accepted_at is None


def test_a_password_reset_refuses_a_weak_password(client, people):
    user = people["fp_tha"]
    user.email = "fp@mol.go.th"
    user.save()
    client.post("/accounts/password_reset/", {"email": "fp@mol.go.th"})
    form = client.get(link_in(mail.outbox[-1]), follow=True)
    answer = set_password(client, form.redirect_chain[-1][0], "12345678")
    assert answer.status_code == 200 and "This password is entirely numeric." not in answer.text  # not a validator
    assert TOO_COMMON in answer.text
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


def test_the_django_admin_refuses_a_weak_password_when_adding_or_changing(people):
    admin = Client()
    admin.force_login(people["admin"])
    added = admin.post("/admin/auth/user/add/", {"username": "newbie", "password1": "1", "password2": "1"})
    assert added.status_code == 200 and TOO_SHORT in added.text
    assert not User.objects.filter(username="newbie").exists()
    user = people["reviewer"]
    changed = admin.post(f"/admin/auth/user/{user.pk}/password/", {"password1": "qwerty", "password2": "qwerty"})
    assert changed.status_code == 200 and TOO_COMMON in changed.text
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)
