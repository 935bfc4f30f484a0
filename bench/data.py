"""Synthetic long-layout data at the sizes the benchmark needs, made fast: sample_rows for one year, then exact
copies of it across years and sources, so every total still adds up to the digit."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from django.db import connection
from openpyxl import Workbook

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import LONG_HEADER
from collection.publication.partitions import DEFAULT_PARTITION, MASTER, master_partitioned, partitions_ensure

# A second source type for every table: a country often reports the survey and the register side by side.
SECOND_SOURCE = {"BA": "AA", "FA": "EA"}
FIRST_YEAR = 1950


def long_frame(*, country: str, observations: int, partners: int = 250) -> tuple[pl.DataFrame, list[int]]:
    """At least `observations` rows of every table for the country, as text columns in the file's order,
    and the reference years they cover (from 1950 on)."""
    one_year = pl.DataFrame(sample_rows(table_specs().values(), country=country, years=[FIRST_YEAR], partners=partners))
    both = pl.concat([one_year, one_year.with_columns(pl.col("source").replace(SECOND_SOURCE))])
    years = list(range(FIRST_YEAR, FIRST_YEAR + math.ceil(observations / both.height)))
    frame = (
        both.join(pl.DataFrame({"time": [str(y) for y in years]}), how="cross", suffix="_new")
        .with_columns(pl.col("time_new").alias("time"))
        .select(LONG_HEADER)
        .sort("time", maintain_order=True)
    )
    return frame, years


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """The long layout on the first sheet, numbers as numbers (what Excel saves); openpyxl's streaming writer."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(frame.columns)
    value = frame.columns.index("obs_value")
    year = frame.columns.index("time")
    for row in frame.iter_rows():
        cells = list(row)
        cells[value] = float(cells[value])
        cells[year] = int(cells[year])
        sheet.append(cells)
    book.save(path)


def execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@contextmanager
def bare_table(table: str, *, then: str = "ANALYZE") -> Iterator[None]:
    """Load into `table` as a restore would: its secondary indexes dropped and foreign-key triggers off (the
    provenance rows exist) during the COPY, then the indexes built again and `then` (ANALYZE, or VACUUM ANALYZE
    where index-only scans need the visibility map) run on it. The master's indexes are those of its partitions
    (PostgreSQL): dropped and built on every partition; rows loaded for a country without a partition land in
    the DEFAULT one and move into a partition of their own at the end (give them one first with
    `partitions.partitions_ensure`: moving them costs a second copy)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype = 'p')",
            [table],
        )
        indexes = cursor.fetchall()
    execute(*(f"DROP INDEX {name}" for name, _ in indexes), "SET session_replication_role = replica")
    yield
    if table == MASTER and master_partitioned():  # rows of a country without a partition: into one of its own
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT ref_area FROM {DEFAULT_PARTITION}")
            partitions_ensure([area for (area,) in cursor.fetchall()])
    execute(
        "SET session_replication_role = DEFAULT",
        "SET maintenance_work_mem = '512MB'",
        *(definition for _, definition in indexes),
        f"{then} {table}",
    )
