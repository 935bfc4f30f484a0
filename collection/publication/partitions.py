"""The master table by reporting country (PostgreSQL): one partition per country, so that a country's publication
reads and writes only its own rows' indexes, whatever the size of the others (see README "Performance").

Migration 0021 made the table a LIST partition of `ref_area`: a partition for every country there was and a
DEFAULT partition that catches rows of a country without one. A country gets its partition before its first
publication (`partition_ensure`), in a short transaction of its own: adding a partition locks the whole table for
a moment, so never while a publication's transaction holds its locks. SQLite keeps one plain table."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection, transaction

from collection.models import Observation

MASTER = Observation._meta.db_table
DEFAULT_PARTITION = f"{MASTER}_default"
AREA = re.compile(r"[A-Z0-9]{1,3}")  # ref_area codes (ISO 3166 alpha-3): safe to write into DDL as they are


def partition_name(area: str) -> str:
    """The name of the country's partition (whether it exists or not)."""
    if not AREA.fullmatch(area):
        raise ValueError(f"{area!r} is not a reference area code")
    return f"{MASTER}_{area.lower()}"


def master_partitioned() -> bool:
    """Whether the master is a partitioned table here (PostgreSQL after migration 0021)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [MASTER])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partition_of(area: str) -> str | None:
    """The country's partition if it has one (attached to the master), else None (its rows, if any, are in
    the DEFAULT partition, or the master is one table)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass(%s) AND inhrelid = to_regclass(%s)",
            [MASTER, partition_name(area)],
        )
        return partition_name(area) if cursor.fetchone() is not None else None


def partition_ensure(area: str) -> str | None:
    """The country's partition, made now if it has none (None where the master is not partitioned).

    Its own transaction, under the country's publication lock and the publication's lock timeout: a partition
    is added with a lock on the whole master, held for milliseconds here. Rows of the country that were in the
    DEFAULT partition (loaded before it had one) move into it, once."""
    if not master_partitioned():
        return None
    name = partition_of(area)
    if name is not None:
        return name
    name = partition_name(area)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{int(settings.PUBLICATION_LOCK_TIMEOUT)}s'")
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"publish:{area}"])
        if partition_of(area) is not None:  # made meanwhile by another worker
            return name
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE ref_area = %s)", [area])
        if not cursor.fetchone()[0]:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {MASTER} FOR VALUES IN ('{area}')")
            return name
        # The partition cannot be added while the DEFAULT one holds rows of its country: they move into it first.
        cursor.execute(f"CREATE TABLE {name} (LIKE {MASTER} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE ref_area = %s RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved",
            [area],
        )
        cursor.execute(f"ALTER TABLE {MASTER} ATTACH PARTITION {name} FOR VALUES IN ('{area}')")
    return name


def partitions_ensure(areas: list[str]) -> None:
    """Every one of these countries' partitions (a bulk load into the master, as the benchmarks make)."""
    for area in sorted(set(areas)):
        partition_ensure(area)
