"""Loading many rows at once: COPY on PostgreSQL (psycopg 3), executemany elsewhere. Never an ORM object per row."""

from __future__ import annotations

import io

import polars as pl
from django.db import connection
from django.db.models import Model

COPY_SLICE_ROWS = 50_000


def bulk_load(model: type[Model], frame: pl.DataFrame) -> int:
    """Insert the frame's rows into the model's table; the frame's columns are the table's column names."""
    if frame.is_empty():
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
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
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in frame.iter_slices(COPY_SLICE_ROWS):
                buffer = io.BytesIO()
                chunk.write_csv(buffer, include_header=False)
                copy.write(buffer.getbuffer())
        return frame.height
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for chunk in frame.iter_slices(50_000):
            cursor.executemany(sql, chunk.rows())
    return frame.height
