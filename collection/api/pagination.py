from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from collection.publication.conditional import reader_is_public
from collection.publication.vintages import PublicState

# A count is kept as long as the public values it counted stay the same (see CountedOnce); a day bounds the
# entries of states no one asks about any more.
COUNT_SECONDS = 24 * 3600
PAGE_PARAMETERS = ("page", "page_size", "format")


class PageSizePagination(PageNumberPagination):
    """Pages with `count`; clients choose `page_size` up to 10,000 (use the CSV download for more)."""

    page_size_query_param = "page_size"
    max_page_size = 10_000


class _KnownCountPaginator(Paginator):
    """A paginator whose count is read from the cache under `key`, or counted and kept there."""

    def __init__(self, *args: Any, count_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        found = cache.get(self.count_key)
        if isinstance(found, int):
            return found
        counted = super().count
        cache.set(self.count_key, counted, COUNT_SECONDS)
        return counted


class CountedOnce(PageSizePagination):
    """The observations' pages: an anonymous reader's count is counted once per question and public state.

    The exact count of a filter is most of a page's time on a large master (15,000 values: an index scan and a
    visibility check of each), and the public answer to a question changes only with the public state (the
    ETag's, vintages.public_state), so that state, the path and the filters (not the page) key it. A signed-in
    reader's answer includes embargoed values, which change at every publication into a scheduled release:
    their count is counted each time."""

    def paginate_queryset(  # type: ignore[override]  # DRF's stub types it for any sequence; this takes a queryset
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list | None:
        key = self._count_key(request)
        if key is None:
            self.django_paginator_class = Paginator
        else:
            self.django_paginator_class = lambda *a, **k: _KnownCountPaginator(*a, count_key=key, **k)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    @staticmethod
    def _count_key(request: Request) -> str | None:
        # The public state conditional.public_validators read for this request's ETag (none for a signed-in
        # reader): what the public sees changes only with it (see vintages.public_state).
        state = getattr(request._request, "public_state", None)
        if not reader_is_public(request) or not isinstance(state, PublicState):
            return None
        query = sorted(
            (k, v) for k in request.query_params if k not in PAGE_PARAMETERS for v in request.query_params.getlist(k)
        )
        identity = repr((request.path, query, state.tag))
        return "count:" + hashlib.sha256(identity.encode()).hexdigest()[:40]
