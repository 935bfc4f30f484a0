"""A country's published values as one polars frame: read by validation's trend checks and the workspace."""

from __future__ import annotations

import polars as pl
from django.db import connection

from collection.lib.bulkread import read_frame
from collection.models import (
    Observation,
)

PUBLISHED_SCHEMA = {
    "indicator": pl.String,
    "ref_area": pl.String,
    "source": pl.String,
    "sex": pl.String,
    "classif1": pl.String,
    "classif2": pl.String,
    "time": pl.String,
    "value": pl.Float64,
    "obs_status": pl.String,
    "note": pl.String,
}


def published_around(country: str, years: list[int]) -> pl.DataFrame:
    """The country's current published values for the round's years and the year before each (year on year)."""
    times = sorted({str(y) for y in years} | {str(y - 1) for y in years})
    columns = ", ".join("obs_value" if c == "value" else c for c in PUBLISHED_SCHEMA)
    table = connection.ops.quote_name(Observation._meta.db_table)
    return read_frame(
        f"SELECT {columns} FROM {table} WHERE ref_area = %s AND is_current AND time IN "
        f"({', '.join(['%s'] * len(times))})",
        [country, *times],
        PUBLISHED_SCHEMA,
    )
