"""Sign-in security: the lockout guard in front of the password check, the same count for unknown API tokens
and invalid password-reset links, and the limit on password-reset e-mails.

django-axes keeps the counts (settings: AXES_*); failures reach the audit log through signals.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from collection.audit.record import audit_record, client_ip
from collection.lib.users import User
from collection.models import AuditAction, AuditEntry

# The names failures at the other doors are counted under: brackets and spaces are not allowed in a username,
# so no account shares its count with them.
API_TOKEN_DOOR = "[API token]"
RESET_LINK_DOOR = "[reset link]"
DOORS = {API_TOKEN_DOOR: "an unknown API token", RESET_LINK_DOOR: "an invalid password-reset link"}
RESET_WINDOW = dt.timedelta(hours=1)
# No account has a longer username; Django's sign-in form does not enforce it, axes stores 255 characters.
USERNAME_LENGTH = User._meta.get_field("username").max_length or 150


class SignInGuardBackend(AxesStandaloneBackend):
    """axes' guard: a locked-out username and address are refused before their password is checked.

    authenticate() called without a request (the test client's login(), a shell) comes from no client whose
    address could be counted; it goes straight to the password check rather than failing as axes would."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AttemptsHandler(AxesDatabaseHandler):
    """axes' database handler (AXES_HANDLER), storing the client's path and headers without NUL bytes:
    PostgreSQL refuses them, and a reset link with %00 in it was a 500."""

    @staticmethod
    def _without_nul(request: HttpRequest | None) -> None:
        for name in ("axes_user_agent", "axes_path_info", "axes_http_accept"):
            value = getattr(request, name, None)
            if isinstance(value, str):
                setattr(request, name, value.replace("\x00", ""))

    def user_login_failed(
        self, sender: object, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        self._without_nul(request)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: object, request: Any, user: User, **kwargs: Any) -> None:
        self._without_nul(request)
        super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: object, request: Any, user: User | None, **kwargs: Any) -> None:
        self._without_nul(request)
        super().user_logged_out(sender, request, user, **kwargs)


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username tried, as axes counts it (AXES_USERNAME_CALLABLE): axes' own rule, cut to the longest a
    username can be, so a 10 MB username is one more wrong guess rather than a database error."""
    username = (credentials or request.POST).get("username")
    return None if username is None else str(username)[:USERNAME_LENGTH]


def door_locked(request: HttpRequest, door: str) -> bool:
    """Whether this address has failed at a door (API_TOKEN_DOOR, RESET_LINK_DOOR) too often lately."""
    return bool(AxesProxyHandler.is_locked(request, {"username": door}))


def door_failed(request: HttpRequest, door: str) -> None:
    """Count one failure at a door, as a failed sign-in is counted (axes, then the audit log)."""
    user_login_failed.send(sender=__name__, credentials={"username": door}, request=request)


def lock_lifts_at(*, username: str, ip: str | None) -> dt.datetime:
    """When a lock of this username (or door) and address ends: the cool-off after its latest failure."""
    latest = AccessAttempt.objects.filter(username=username, ip_address=ip).aggregate(at=Max("attempt_time"))["at"]
    return (latest or timezone.now()) + settings.AXES_COOLOFF_TIME


def lock_sentence(until: dt.datetime) -> str:
    """'try again at 14:35 UTC (in 15 minutes)', as the lockout page and the API say it."""
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    local = timezone.localtime(until)
    return f"{local:%H:%M} {local.tzname()} (in {minutes} minute{'s' if minutes != 1 else ''})"


def signin_failure_record(*, username: str, locked: bool, failures: int | None) -> None:
    """One audit entry per failure: the username tried (never the password) and, from the request context,
    the address; a second entry when this failure starts a lock. The account is the entry's object, not its
    actor: who typed the password is not known."""
    username = username[:USERNAME_LENGTH]
    door = DOORS.get(username)
    user = None if door else User.objects.filter(username=username).first()
    who = door or f"sign-in as {username or '(no username)'}"
    limit = settings.AXES_FAILURE_LIMIT
    if locked and failures is None:  # axes refused it without checking: the lock was already on
        summary = f"Refused {who}: locked out."
    else:
        summary = f"Failed {who} ({failures or 1} of {limit})."
    common: dict[str, Any] = {
        "object_type": "user",
        "object_id": user.pk if user else "",
        "label": username[:200],
    }
    audit_record(AuditAction.USER_SIGNIN_FAILED, summary=summary, detail={"username": username}, **common)
    if locked and failures is not None:
        audit_record(
            AuditAction.USER_LOCKED_OUT,
            summary=f"Locked out {who} after {failures} failures, for {settings.AXES_COOLOFF_TIME}.",
            detail={"username": username, "failures": failures},
            **common,
        )


def reset_request_wait(*, email: str, request: HttpRequest) -> dt.datetime | None:
    """When another reset e-mail may be asked for, if the limit per address typed or per client is reached
    (counted in the audit log, the same for every web process); None when it may be sent now."""
    since = timezone.now() - RESET_WINDOW
    recent = AuditEntry.objects.filter(action=AuditAction.USER_RESET_REQUESTED, at__gte=since)
    ip = client_ip(request)
    waits = []
    for entries, limit in (
        (recent.filter(detail__email=email.lower()), settings.PASSWORD_RESET_LIMIT_PER_EMAIL),
        (recent.filter(ip=ip) if ip else recent.none(), settings.PASSWORD_RESET_LIMIT_PER_IP),
    ):
        times = list(entries.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            waits.append(times[-1] + RESET_WINDOW)
    return max(waits, default=None)


def reset_request_record(*, email: str) -> None:
    """Note a reset asked for (whether or not the address has an account: the answer is the same)."""
    audit_record(
        AuditAction.USER_RESET_REQUESTED,
        object_type="user",
        label=email[:200],
        summary=f"Password reset asked for {email}.",
        detail={"email": email.lower()},
    )
