"""Loading many rows at once: COPY on PostgreSQL (psycopg 3), executemany elsewhere. Never an ORM object per row."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Model

COPY_SLICE_ROWS = 50_000
# A load of this many rows or more is followed by ANALYZE of its table (PostgreSQL): without it the planner
# planned a publication for 9,678 staged rows and met a million. ANALYZE reads a sample of 30,000 rows, a
# fraction of a second, whatever the table's size.
ANALYZE_AFTER_ROWS = 10_000


def bulk_load(model: type[Model], frame: pl.DataFrame) -> int:
    """Insert the frame's rows into the model's table; the frame's columns are the table's column names."""
    with connection.cursor() as cursor:
        loaded = bulk_load_table(connection.ops.quote_name(model._meta.db_table), frame, cursor=cursor)
    analyze_after_commit(model, loaded)
    return loaded


def bulk_load_table(table: str, frame: pl.DataFrame, *, cursor: Any) -> int:
    """Insert the frame's rows into `table` (a quoted name: a model's, or a temporary table's) through `cursor`;
    the frame's columns are the table's column names. Nulls in text columns are loaded as ''."""
    if frame.is_empty():
        return 0
    columns = frame.columns
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    frame = frame.with_columns(pl.col(c).fill_null("") for c in text_columns)
    if connection.vendor == "postgresql":
        options = "FORMAT csv"
        if text_columns:
            options += ", FORCE_NOT_NULL (" + ", ".join(connection.ops.quote_name(c) for c in text_columns) + ")"
        sql = f"COPY {table} ({quoted}) FROM STDIN ({options})"
        # Slice by slice: the server parses one slice while polars writes the next, and the text of the
        # whole frame (74 MB for a million rows) is never held at once.
        with cursor.cursor.copy(sql) as copy:
            for chunk in frame.iter_slices(COPY_SLICE_ROWS):
                buffer = io.BytesIO()
                chunk.write_csv(buffer, include_header=False)
                copy.write(buffer.getbuffer())
        return frame.height
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"
    for chunk in frame.iter_slices(50_000):
        cursor.executemany(sql, chunk.rows())
    return frame.height


def analyze_after_commit(model: type[Model], rows: int) -> None:
    """After a load of `rows` rows into the model's table, refresh its planner statistics once the transaction
    commits: outside it, so that its lock (one ANALYZE of a table at a time) is never held while the loading
    transaction goes on, and the sample sees the rows committed."""
    if connection.vendor != "postgresql" or rows < ANALYZE_AFTER_ROWS:
        return
    table = connection.ops.quote_name(model._meta.db_table)

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")

    transaction.on_commit(analyze, robust=True)
