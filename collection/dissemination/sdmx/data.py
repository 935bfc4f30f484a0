"""An SDMX data query answered from what the public sees: the key and the periods pick keys, vintages picks
the version of each the public saw (now, or as of a moment or a release), `updatedAfter` keeps those made
public after a moment. Never anyone's own view: SDMX shows only public values, whoever asks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from django.db import connection
from django.db.models import F, Func, QuerySet, TextField
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from collection.dissemination.sdmx.errors import NO_RESULTS, NOT_FOUND, SYNTAX, SdmxError
from collection.dissemination.sdmx.keys import key_parse
from collection.dissemination.sdmx.layout import AGENCY, VERSION, FlowLayout, flow_indicator, flow_layouts
from collection.lib.errors import PortalError
from collection.models import Observation
from collection.publication.vintages import public_versions, vintage_moment

# Rows read from the database per round trip: a chunk of a streamed message.
CHUNK = 5000
# What each row of a data message reads, in this order (see writers).
ROW_COLUMNS = (
    "ref_area",
    "sex",
    "classif1",
    "classif2",
    "time",
    "obs_value",
    "obs_status",
    "source",
    "note",
    "note_classif",
    "note_indicator",
    "note_source",
)
PERIOD = re.compile(r"^(\d{4})(-.*)?$")


@dataclass(frozen=True)
class DataQuery:
    """A checked data query: the flow, the codes per dimension, the years, and the moments asked about."""

    layout: FlowLayout
    codes: dict[str, list[str]]
    start_year: str | None = None
    end_year: str | None = None
    updated_after: datetime | None = None
    at: datetime | None = None


def flow_find(flow_ref: str) -> FlowLayout:
    """The table a flow reference names: ILO,DF_<indicator>,1.0 (agency and version may be left out or `latest`)."""
    parts = flow_ref.split(",")
    if len(parts) == 1:
        parts = [AGENCY, parts[0], VERSION]
    elif len(parts) == 2:
        parts = [*parts, VERSION]
    agency, flow, version = parts if len(parts) == 3 else ("", "", "")
    indicator = flow_indicator(flow)
    layout = flow_layouts(indicator).get(indicator) if indicator else None
    if agency not in (AGENCY, "all") or version not in (VERSION, "latest", "") or layout is None:
        raise SdmxError(NOT_FOUND, f"There is no dataflow {flow_ref}.")
    return layout


def _year(name: str, value: str | None) -> str | None:
    if not value:
        return None
    match = PERIOD.match(value)
    if match is None:
        raise SdmxError(SYNTAX, f"{name}={value}: give a period such as 2024 (or 2024-06-30).")
    return match.group(1)


def _moment(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = parse_date(value) if len(value) == 10 else None
        # A '+' left unescaped in a query string arrives as a space.
        moment = datetime.combine(day, datetime.min.time()) if day else parse_datetime(value.replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise SdmxError(SYNTAX, f"{name}={value}: give an ISO 8601 date and time, e.g. 2026-06-30T09:00:00Z.")
    return timezone.make_aware(moment, timezone.get_current_timezone()) if timezone.is_naive(moment) else moment


def data_query(*, flow_ref: str, key: str, params: dict[str, str]) -> DataQuery:
    """The query an SDMX data URL asks, checked: an unknown flow, a bad key, period or moment is an SdmxError."""
    layout = flow_find(flow_ref)
    try:
        at = vintage_moment(as_of=params.get("as_of"), as_of_release=params.get("as_of_release"))
    except PortalError as error:
        raise SdmxError(SYNTAX, error.message) from error
    if at is not None and at > timezone.now():
        # A moment still to come is answered with what is public now: read as of it, an embargoed release
        # whose moment falls before it would show.
        at = None
    return DataQuery(
        layout=layout,
        codes=key_parse(layout, key),
        start_year=_year("startPeriod", params.get("startPeriod")),
        end_year=_year("endPeriod", params.get("endPeriod")),
        updated_after=_moment("updatedAfter", params.get("updatedAfter")),
        at=at,
    )


def data_versions(query: DataQuery) -> QuerySet[Observation]:
    """The public versions the query matches, in key order."""
    layout = query.layout
    base = Observation.objects.filter(indicator=layout.indicator)
    if "REF_AREA" in query.codes:
        base = base.filter(ref_area__in=query.codes["REF_AREA"])
    for b in layout.breakdowns:
        if b.id in query.codes:
            base = base.filter(**{f"{b.column}__in": query.codes[b.id]})
    # Years are four digits, so comparing the text orders them.
    if query.start_year:
        base = base.filter(time__gte=query.start_year)
    if query.end_year:
        base = base.filter(time__lte=query.end_year)
    versions = public_versions(base, query.at)
    if query.updated_after is not None:  # a filter on the version chosen, so it goes on the result
        versions = versions.filter(publication__release__public_at__gt=query.updated_after)
    return versions.order_by("ref_area", "sex", "classif1", "classif2", "time", "source")


def data_rows(query: DataQuery) -> Iterator[tuple[object, ...]]:
    """The matching rows (ROW_COLUMNS), read in chunks; a query that matches nothing is an SdmxError (100), raised
    before anything is written."""
    columns: list[str | Func] = list(ROW_COLUMNS)
    if connection.vendor == "postgresql":
        # The value as the text of its own digits, written by PostgreSQL: a Decimal made and normalised per value
        # in Python was a third of a message's time (the read bench's profile). trim_scale drops the zeros the
        # column's scale adds, as models.layout.value_exact does (412.6, 1500).
        columns[ROW_COLUMNS.index("obs_value")] = Func(
            F("obs_value"), template="trim_scale(%(expressions)s)::text", output_field=TextField()
        )
    rows = data_versions(query).values_list(*columns).iterator(chunk_size=CHUNK)
    first = next(rows, None)
    if first is None:
        raise SdmxError(NO_RESULTS, f"No public values of {query.layout.flow} match the query.")
    return chain([first], rows)
