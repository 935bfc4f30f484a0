"""A country's published values as one polars frame: the one reader of the master table for validation's
cross-table and trend checks and for the reviewer's workspace."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from django.db import connection

from collection.lib.bulkread import read_frame
from collection.models import KEY_COLUMNS, VALUE_COLUMNS, Observation

# Besides the value, what a published row carries: its flag and its notes.
ATTRIBUTES = tuple(c for c in VALUE_COLUMNS if c != "obs_value")
DEFAULT_ATTRIBUTES = ("obs_status", "note")


def published_schema(attributes: Iterable[str] = DEFAULT_ATTRIBUTES) -> dict[str, type[pl.DataType] | pl.DataType]:
    """The columns `published_values` returns: the key, the value as a number, and the attributes asked for."""
    return {**dict.fromkeys(KEY_COLUMNS, pl.String), "value": pl.Float64, **dict.fromkeys(attributes, pl.String)}


PUBLISHED_SCHEMA = published_schema()


def published_values(
    country: str,
    times: Iterable[str],
    *,
    indicators: Iterable[str] | None = None,
    before_publication: int | None = None,
    attributes: Iterable[str] = DEFAULT_ATTRIBUTES,
) -> pl.DataFrame:
    """The country's published values of the given years (and tables): the current ones, or the values as they
    stood before a publication (the last one per key of the publications before it). Columns: the key, `value` and
    the attributes asked for."""
    attributes, times = list(attributes), sorted(set(times))
    indicators = None if indicators is None else sorted(set(indicators))
    schema = published_schema(attributes)
    if not times or indicators == []:
        return pl.DataFrame(schema=schema)
    where = ["ref_area = %s", "is_current" if before_publication is None else "publication_id < %s"]
    params: list[str | int] = [country]
    params += [] if before_publication is None else [before_publication]
    where.append(f"time IN ({', '.join(['%s'] * len(times))})")
    params += times
    if indicators is not None:
        where.append(f"indicator IN ({', '.join(['%s'] * len(indicators))})")
        params += indicators
    columns = [*KEY_COLUMNS, "obs_value", *attributes]
    table = connection.ops.quote_name(Observation._meta.db_table)
    if before_publication is None:
        return read_frame(f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(where)}", params, schema)
    frame = read_frame(
        f"SELECT {', '.join(columns)}, publication_id FROM {table} WHERE {' AND '.join(where)}",
        params,
        {**schema, "publication_id": pl.Int64},
    )
    # Before a publication, the last earlier one per key is the value it replaced.
    return frame.sort("publication_id").group_by(list(KEY_COLUMNS), maintain_order=True).last().drop("publication_id")


def published_around(country: str, years: list[int]) -> pl.DataFrame:
    """The country's current published values for the round's years and the year before each (year on year)."""
    return published_values(country, {str(y) for y in years} | {str(y - 1) for y in years})
