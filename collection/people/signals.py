"""The audit of user and role changes, wherever they are made: portal pages, the Django admin, add_user; and of
failed sign-ins, however they are tried (the sign-in page, the admin's, an API token, a password-reset link).

Signals are the only recorder of these changes (created, role, countries, deactivated/reactivated,
password); services never record them too. The services in people.py record only what no field change
shows: an invitation sent and an invitation accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from collection.audit.record import AuditContext, audit_context, audit_context_restored, audit_record
from collection.lib.users import User
from collection.models import AuditAction, Country, Profile, Role
from collection.people.signin import signin_failure_record

_WATCHED_USER_FIELDS = {"password", "is_active"}


def _role_label(role: str | None) -> str:
    return Role(role).label if role in Role.values else "no role"


def _codes(codes: list[str]) -> str:
    return ", ".join(codes) or "none"


def _password_actor(user: User) -> User | None:
    """Who set a password: the signed-in user (an admin), else in a signed-out web request the user
    themselves (only their e-mailed link gets there); None leaves it to audit_record ('system' in commands)."""
    context = audit_context()
    if context is None or getattr(context.user, "is_authenticated", False):
        return None
    return user


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def user_before_save(
    sender: type[User],
    instance: User,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Remember the watched fields as stored, to compare after the save (a login's save of last_login
    is skipped without a query)."""
    instance.__dict__["_audit_before"] = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED_USER_FIELDS & set(update_fields):
        return
    instance.__dict__["_audit_before"] = sender.objects.filter(pk=instance.pk).values(*_WATCHED_USER_FIELDS).first()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_after_save(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if created:
        audit_record(AuditAction.USER_CREATED, obj=instance, summary=f"Created user {instance.username}.")
        return
    before = instance.__dict__.pop("_audit_before", None)
    if before is None:
        return
    if before["is_active"] != instance.is_active:
        action = AuditAction.USER_ACTIVATED if instance.is_active else AuditAction.USER_DEACTIVATED
        verb = "Reactivated" if instance.is_active else "Deactivated"
        audit_record(
            action,
            obj=instance,
            summary=f"{verb} user {instance.username}.",
            detail={"from": before["is_active"], "to": instance.is_active},
        )
    if before["password"] == instance.password:
        return
    # set_password() leaves the raw password in `_password` until saved; a login's re-hash of an old-format
    # password does not, and is no change.
    if getattr(instance, "_password", None) is not None:
        summary = f"Password of {instance.username} set."
    elif before["password"] and is_password_usable(before["password"]) and not instance.has_usable_password():
        summary = f"Password sign-in of {instance.username} turned off."
    else:
        return
    audit_record(AuditAction.USER_PASSWORD, obj=instance, actor=_password_actor(instance), summary=summary)


@receiver(pre_save, sender=Profile)
def profile_before_save(sender: type[Profile], instance: Profile, raw: bool = False, **kwargs: Any) -> None:
    instance.__dict__["_audit_role"] = None
    if not raw and instance.pk is not None:
        instance.__dict__["_audit_role"] = sender.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


@receiver(post_save, sender=Profile)
def profile_after_save(
    sender: type[Profile], instance: Profile, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before = None if created else instance.__dict__.pop("_audit_role", None)
    if before == instance.role:
        return
    username, role = instance.user.username, _role_label(instance.role)
    audit_record(
        AuditAction.USER_ROLE,
        obj=instance.user,
        summary=f"Role of {username} set to {role}."
        if before is None
        else f"Role of {username} changed from {_role_label(before)} to {role}.",
        detail={"from": before, "to": instance.role},
    )


def _countries_of(profile_id: int) -> list[str]:
    return sorted(Profile.countries.through.objects.filter(profile_id=profile_id).values_list("country_id", flat=True))


def _countries_flush(profile: Profile, context: AuditContext | None) -> None:
    """One entry per change however many add/remove steps it took (set() removes, then adds); recorded with
    the request that made the change, even when the commit comes after it."""
    before = profile.__dict__.pop("_audit_countries", None)
    if before is None:
        return
    after = _countries_of(profile.pk)
    if before == after:
        return
    username = profile.user.username
    with audit_context_restored(context):
        audit_record(
            AuditAction.USER_COUNTRIES,
            obj=profile.user,
            summary=f"Countries of {username} changed from {_codes(before)} to {_codes(after)}.",
            country=after[0] if len(after) == 1 else (before[0] if len(before) == 1 and not after else ""),
            detail={"from": before, "to": after},
        )


@receiver(m2m_changed, sender=Profile.countries.through)
def profile_countries_changed(
    sender: type[models.Model],
    instance: Profile | Country,
    action: str,
    reverse: bool,
    pk_set: set[int] | set[str] | None,
    **kwargs: Any,
) -> None:
    """Before each step, note the countries as they were (the first step's note wins); the entry is written
    when the transaction commits, comparing that note with the countries then."""
    if not action.startswith("pre_"):
        return
    profiles: Iterable[Profile]
    if isinstance(instance, Country):  # reverse: country.focal_points.add(profile), the profiles are changing
        profiles = instance.focal_points.all() if pk_set is None else Profile.objects.filter(pk__in=pk_set)
    else:
        profiles = [instance]
    context = audit_context()
    for profile in profiles:
        if "_audit_countries" not in profile.__dict__:
            profile.__dict__["_audit_countries"] = _countries_of(profile.pk)
        transaction.on_commit(partial(_countries_flush, profile, context))


@receiver(user_login_failed)
def signin_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Every failed sign-in (and unknown token, invalid reset link) in the audit log. axes' own receiver ran
    first (its app is installed before ours), so the request already says whether this failure locked it."""
    signin_failure_record(
        username=str(credentials.get("username") or ""),
        locked=bool(getattr(request, "axes_locked_out", False)),
        failures=getattr(request, "axes_failures_since_start", None),
    )


@receiver(user_logged_in)
def session_for_a_working_day(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """The session ends SESSION_COOKIE_AGE after sign-in, a fixed time: Django's own age starts again at
    every save of the session (a message shown, a form's state), which would stretch it."""
    request.session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
