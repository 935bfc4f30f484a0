"""Each person's API token (DRF's authtoken: one per user): created, rotated and revoked by its owner, audited.

The key is the token's primary key, so rotating is a delete and a create in one transaction: the old key stops
working the moment it commits. The audit records that a token changed, never the key."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from collection.audit.record import audit_record
from collection.lib.errors import WrongState
from collection.lib.users import User
from collection.models import AuditAction


def token_of(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()


def _locked(user: User) -> User:
    """The owner's row, locked: two rotations at once (two tabs, a script) wait for each other."""
    return User.objects.select_for_update().get(pk=user.pk)


def _removed(user: User, refusal: str) -> Token:
    """The owner's token, deleted under the owner's lock (its key stops working at commit); WrongState with
    `refusal` when there is none. The deleted token keeps its `created` for the audit entry."""
    _locked(user)
    old = token_of(user)
    if old is None:
        raise WrongState(refusal)
    old.delete()
    return old


@transaction.atomic
def token_create(*, user: User) -> Token:
    """A first token; a person who has one rotates it instead (so no key is replaced unseen)."""
    _locked(user)
    if token_of(user) is not None:
        raise WrongState("You already have an API token. Rotate it to get a new key, or revoke it.")
    token = Token.objects.create(user=user)
    audit_record(AuditAction.USER_TOKEN_CREATED, obj=user, actor=user, summary=f"API token of {user.username} created.")
    return token


@transaction.atomic
def token_rotate(*, user: User) -> Token:
    """A new key in place of the old one, which stops working at once."""
    old = _removed(user, "You have no API token to rotate. Create one first.")
    token = Token.objects.create(user=user)
    audit_record(
        AuditAction.USER_TOKEN_ROTATED,
        obj=user,
        actor=user,
        summary=f"API token of {user.username} rotated; the old key no longer works.",
        detail={"old_created": old.created.isoformat()},
    )
    return token


@transaction.atomic
def token_revoke(*, user: User) -> None:
    """No token any more: scripts using the key get 401 from now on."""
    old = _removed(user, "You have no API token to revoke.")
    audit_record(
        AuditAction.USER_TOKEN_REVOKED,
        obj=user,
        actor=user,
        summary=f"API token of {user.username} revoked.",
        detail={"created": old.created.isoformat()},
    )
