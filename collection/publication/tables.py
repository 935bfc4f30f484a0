"""The public reads of the master table: the tables, their countries and one table as a pivot. Each reads what
its reader may see (`vintages`): the public the released values, staff and the country's focal points also the
embargoed ones, marked with the moment they come out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min
from django.utils import timezone

from collection.lib.users import RequestUser
from collection.models import Code, Observation, TableDefinition, TableDimension
from collection.publication.vintages import public_versions, seen_versions


def master_tables_summary() -> list[dict[str, Any]]:
    """One line per indicator: title, public observations, countries and years covered."""
    counts = {
        row["indicator"]: row
        for row in public_versions(Observation.objects.all())
        .values("indicator")
        .annotate(n=Count("id"), countries=Count("ref_area", distinct=True), first=Min("time"), last=Max("time"))
    }
    return [
        {"table": table, **counts.get(table.indicator, {"n": 0, "countries": 0, "first": None, "last": None})}
        for table in TableDefinition.objects.all()
    ]


def indicator_countries(indicator: str) -> list[dict[str, Any]]:
    """One line per country of a table, as the public sees it (plain dicts: the page adds the country's name)."""
    rows = (
        public_versions(Observation.objects.filter(indicator=indicator))
        .values("ref_area")
        .annotate(
            n=Count("id"),
            first=Min("time"),
            last=Max("time"),
            last_release=Max("publication__release_id"),
            released=Max("publication__release__public_at"),
        )
        .order_by("ref_area")
    )
    return [dict(row) for row in rows]


@dataclass
class Pivot:
    """A published table as a person reads it: rows are the breakdown, columns the years."""

    years: list[str]
    rows: list[dict]
    sources: list[str]
    headers: list[str]
    embargoed: dict[int, datetime | None]  # value id → when it comes out (None: withdrawn), for those who see it


def indicator_pivot(indicator: str, ref_area: str, user: RequestUser) -> Pivot:
    """The table as the user may see it; a value not yet public carries its release moment (`embargoed`)."""
    observations = seen_versions(user, Observation.objects.filter(indicator=indicator, ref_area=ref_area)).values_list(
        "sex",
        "classif1",
        "classif2",
        "time",
        "obs_value",
        "obs_status",
        "source",
        "pk",
        "publication__release__public_at",
        "publication__release__withdrawn_at",
    )
    dims = dict(TableDimension.objects.filter(table_id=indicator).values_list("column", "codelist__label"))
    codelists = TableDimension.objects.filter(table_id=indicator).values_list("codelist_id", flat=True)
    codes = {
        c: (label, order)
        for c, label, order in Code.objects.filter(codelist_id__in=codelists).values_list("code", "label", "sort_order")
    }
    cells: dict[tuple[str, str, str], dict[str, tuple[Decimal, str, int]]] = {}
    years: set[str] = set()
    sources: set[str] = set()
    embargoed: dict[int, datetime | None] = {}
    now = timezone.now()
    for sex, c1, c2, time, value, flag, source, pk, public_at, withdrawn_at in observations:
        cells.setdefault((sex, c1, c2), {})[time] = (value, flag, pk)  # pk: the value's history page
        if withdrawn_at is not None or public_at is None or public_at > now:
            embargoed[pk] = None if withdrawn_at is not None else public_at
        years.add(time)
        sources.add(source)
    ordered_years = sorted(years)

    def order(key: tuple[str, str, str]) -> tuple:
        return tuple(codes.get(k, ("", 10**6))[1] for k in (key[1], key[2], key[0]))

    columns = [c for c in ("classif1", "classif2", "sex") if c in dims]
    position = {"sex": 0, "classif1": 1, "classif2": 2}
    rows = [
        {
            "codes": [(key[position[c]], codes.get(key[position[c]], (key[position[c]], 0))[0]) for c in columns],
            "values": [cells[key].get(y) for y in ordered_years],
        }
        for key in sorted(cells, key=order)
    ]
    return Pivot(
        years=ordered_years,
        rows=rows,
        sources=sorted(sources),
        headers=[dims[c] for c in columns],
        embargoed=embargoed,
    )
