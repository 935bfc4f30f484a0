"""Rate limits of the API and the SDMX service: per client address when anonymous, per person when signed in,
and a stricter scope for whole-table downloads (the observations CSV, SDMX data), the costliest answers.

Counts live in the shared cache (settings.CACHES); rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read at
each request (DRF reads them once, at import), so that a change of settings takes effect."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module (DEFAULT_THROTTLE_CLASSES) while it loads
    from rest_framework.views import APIView

PlainView = Callable[..., HttpResponseBase]


class _CurrentRates(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return None if rate is None else str(rate)


class AnonThrottle(_CurrentRates, AnonRateThrottle):
    """Anonymous use, counted per client address."""


class UserThrottle(_CurrentRates, UserRateThrottle):
    """Signed-in use (token or session), counted per person."""


class DownloadThrottle(_CurrentRates):
    """Whole-table downloads, counted per person or client address, beside (not instead of) the other two."""

    scope = "downloads"

    def get_cache_key(self, request: Request | HttpRequest, view: APIView | None) -> str | None:
        # A plain view (view None) is wrapped by whole_table_throttled only when it streams a table.
        renderer = getattr(request, "accepted_renderer", None)
        if view is not None and getattr(renderer, "format", None) != "csv":
            return None  # an API answer of one page: the general scopes count it
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)  # type: ignore[arg-type]
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _too_many(wait: float | None) -> JsonResponse:
    """The API's own 429: its JSON shape ({"detail": sentence}) and Retry-After, as DRF answers a throttled view."""
    exc = Throttled(wait)
    response = JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
    if wait is not None:
        response["Retry-After"] = str(int(wait))
    return response


def _throttled(view: PlainView, scopes: tuple[type[SimpleRateThrottle], ...]) -> PlainView:
    @functools.wraps(view)
    def throttled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Every scope counts the request, as DRF's own check does; the longest wait is the one to give.
        waits = [t.wait() for t in (scope() for scope in scopes) if not t.allow_request(request, None)]  # type: ignore[arg-type]
        if waits:
            known = [w for w in waits if w is not None]
            return _too_many(max(known) if known else None)
        return view(request, *args, **kwargs)

    return throttled


def plain_throttled(view: PlainView) -> PlainView:
    """The throttles of a DRF view for a plain Django view (the SDMX structure queries)."""
    return _throttled(view, (AnonThrottle, UserThrottle))


def whole_table_throttled(view: PlainView) -> PlainView:
    """The same with the download scope, for a plain Django view that streams a table (SDMX data)."""
    return _throttled(view, (AnonThrottle, UserThrottle, DownloadThrottle))
