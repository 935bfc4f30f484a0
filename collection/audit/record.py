"""Recording the audit log: one function every service calls, and the request context it reads the IP from."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

from collection.lib.users import RequestUser, User
from collection.models import AuditAction, AuditEntry


@dataclass(frozen=True)
class AuditContext:
    user: RequestUser | None
    ip: str | None


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def audit_context() -> AuditContext | None:
    """The request being served (who, from where), to carry into work done after it, e.g. on commit."""
    return _current.get()


@contextlib.contextmanager
def audit_context_restored(context: AuditContext | None) -> Iterator[None]:
    """Record as if inside the request `context` came from."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; the proxy's X-Forwarded-For only when settings say a proxy sets it."""
    if settings.AUDIT_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Remembers who is asking and from where, so services record it without taking the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context_restored(AuditContext(user=getattr(request, "user", None), ip=client_ip(request))):
            return self.get_response(request)


def audit_record(
    action: AuditAction | str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    label: str = "",
    summary: str,
    actor: RequestUser | None = None,
    country: str = "",
    round_name: str = "",
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Add one entry. The actor defaults to the signed-in user of the current request, else 'system'
    (the worker, a scheduled task, a management command)."""
    context = _current.get()
    if actor is None and context is not None and getattr(context.user, "is_authenticated", False):
        actor = context.user
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or obj.pk
        label = label or str(obj)
    return AuditEntry.objects.create(
        actor=actor if isinstance(actor, User) and actor.pk else None,
        actor_name=getattr(actor, "username", "") or "system",
        ip=context.ip if context is not None else None,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        object_label=label[:200],
        country=country,
        round_name=round_name,
        summary=summary,
        detail=detail or {},
    )
