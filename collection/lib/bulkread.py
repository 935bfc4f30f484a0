"""Reading many rows at once into a polars frame: COPY ... TO STDOUT on PostgreSQL, one fetch elsewhere."""

from __future__ import annotations

import io

import polars as pl
from django.db import connection


def read_frame(sql: str, params: list, schema: dict[str, type[pl.DataType] | pl.DataType]) -> pl.DataFrame:
    """The query's rows with the schema's names and types; text columns never hold null (empty is '')."""
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            frame = pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")
    return frame.with_columns(pl.col(c).fill_null("") for c, dtype in schema.items() if dtype == pl.String)
