"""Conditional GET for public reads: an ETag and Last-Modified on every anonymous answer, and 304 to a repeat.

What the public sees changes only when a release becomes public (`vintages.public_state`), and a release moment
is never set in the past, so the public state, the path and the query decide an anonymous answer: they make
its ETag, and the state's `last_public_at` is its Last-Modified. An `as_of` in the past names a state that can
no longer change, so that answer may be kept for a day.

Signed-in readers (a session, or an `Authorization` header) get no validators and `Cache-Control: private`:
staff and a country's focal points may see embargoed values, and their answers change at every publication
into a scheduled release, which the public state does not count; every page also carries the user's name.
Keeping them out is what guarantees that no shared cache can ever hold an embargoed value, or serve one
reader's answer to another. Every answer says `Vary: Cookie, Authorization, Accept` so that a shared cache
never hands an anonymous copy to a signed-in reader either.

How to apply it:

- a Django view function: `@public_conditional` above the view (below `@require_GET` and the like);
- a DRF view or viewset: put `PublicConditionalMixin` first among its bases (it wraps `as_view`, so every
  action of the viewset answers 304 to a repeat); or wrap a view by hand: `public_conditional(View.as_view())`.

A view whose answer depends on something besides the public state and the URL (the catalogue's labels change
only with a deploy, see `STATE_VERSION`) must not use it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

from collection.lib.errors import PortalError
from collection.publication.vintages import public_state, vintage_moment

# Bump when a deploy changes what a public page says for the same data (a template, a label, a column).
STATE_VERSION = "1"
VARY = ("Cookie", "Authorization", "Accept")
PAST_MAX_AGE = 24 * 3600  # an answer as of a past moment cannot change; a day bounds a deploy's changes

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime | None
    settled: bool  # asked of a past moment: the answer cannot change any more


SETTLE_AFTER = timedelta(minutes=1)


def reader_is_public(request: HttpRequest) -> bool:
    """Nobody signed in: the answer is the public one, the same for every such reader."""
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated) and "HTTP_AUTHORIZATION" not in request.META


def public_validators(request: HttpRequest) -> Validators | None:
    """The ETag and Last-Modified of the public answer to this request; None when it may not be shared (a
    signed-in reader) or the vintage is malformed (the view answers that with its own sentence)."""
    if request.method not in ("GET", "HEAD") or not reader_is_public(request):
        return None
    try:
        at = vintage_moment(as_of=request.GET.get("as_of"), as_of_release=request.GET.get("as_of_release"))
    except PortalError:
        return None
    now = timezone.now()
    # A moment past by more than a minute names a state that no longer changes (a release's moment is never set
    # in the past, and a late publication gets a release of its own); a later as_of is answered as now.
    settled = at is not None and at < now - SETTLE_AFTER
    state = public_state(at if settled else now)
    request.public_state = state  # type: ignore[attr-defined]  # what a view may key an answer's parts by (api.pagination)
    query = sorted((k, v) for k in request.GET for v in request.GET.getlist(k))
    identity = repr((STATE_VERSION, request.path, query, request.META.get("HTTP_ACCEPT", ""), "public", state.tag))
    return Validators(
        etag=quote_etag(hashlib.sha256(identity.encode()).hexdigest()[:32]),
        last_modified=state.last_public_at,
        settled=settled,
    )


def _finish(response: HttpResponseBase, found: Validators | None) -> HttpResponseBase:
    patch_vary_headers(response, VARY)
    if found is None:
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response
    if response.status_code not in (200, 304):  # an error is not a state worth revalidating
        return response
    response.headers.setdefault("ETag", found.etag)
    if found.last_modified is not None:
        response.headers.setdefault("Last-Modified", http_date(found.last_modified.timestamp()))
    if found.settled:
        patch_cache_control(response, public=True, max_age=PAST_MAX_AGE)
    else:
        patch_cache_control(response, public=True, no_cache=True)  # may be kept, but asked again each time
    return response


def public_conditional(view: View) -> View:
    """Answer 304 to a repeated anonymous read whose public state has not changed (see the module docstring)."""

    @wraps(view)
    def conditional(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = public_validators(request)
        response: HttpResponseBase | None = None
        if found is not None:
            last_modified = int(found.last_modified.timestamp()) if found.last_modified else None
            response = get_conditional_response(request, etag=found.etag, last_modified=last_modified)
        if response is None:
            response = view(request, *args, **kwargs)
        return _finish(response, found)

    return conditional  # type: ignore[return-value]


class PublicConditionalMixin:
    """For a DRF view or viewset: every action it routes answers with validators and 304 to a repeat."""

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:  # Any: what the DRF base's as_view returns, wrapped
        return public_conditional(super().as_view(*args, **kwargs))  # type: ignore[misc]
