"""Where a valid submission's checked rows are kept until publication, and when they have served.

The worker writes them as one Parquet file beside the upload (`Submission.staged_file`), in key order: writing
it takes a fraction of the COPY into a typed table it replaces (the README's "Performance" has the figures), so
the report is not kept waiting. Publication loads the file into a temporary table inside its own transaction
(`staged_relation`). Portals before issue 14 staged the rows in the StagedObservation table: a submission whose
`staged_file` is empty is read from there, so what they validated still publishes.

The rows are kept while a page or a publication may read them, and removed once the submission is published (by
publication), or returned and then replaced by a newer file of the same country and round that passed its checks
(here). `purge_staged` removes what earlier versions, or a validation that failed to commit, left behind."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any, Final

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from collection.lib.bulkload import bulk_load_table
from collection.lib.bulkread import read_frame
from collection.lib.errors import PortalError
from collection.models import KEY_COLUMNS, LAYOUT_COLUMNS, VALUE_COLUMNS, StagedObservation, Submission
from collection.models.submissions import staged_rows_path

logger = logging.getLogger(__name__)
S = Submission.Status

PURGE_BATCH_ROWS = 50_000  # rows per DELETE: each batch commits alone, so no transaction grows with the table

# A newer file of the same country and round that passed its checks replaces a returned one: the returned
# submission's page shows its values (beside the reviewer's comment) until the corrected file is in.
REPLACING = frozenset({S.VALID, S.SUBMITTED, S.APPROVED, S.PUBLISHED})

# What the file holds: the row in the upload, the key and value columns (obs_value a double rounded to the
# stored precision, every text column '' rather than null).
STAGED_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "row": pl.Int64,
    **{c: (pl.Float64 if c == "obs_value" else pl.String) for c in LAYOUT_COLUMNS},
}
STAGED_FILES = "submissions/*/*/staged-*.parquet"  # every staged file under MEDIA_ROOT, for the purge
# LZ4 pages: a third of zstd's writing time for a file a few percent larger (a million rows: about 12 MB).
COMPRESSION: Final = "lz4"


class StagedRowsMissing(PortalError):
    """A submission names a file of staged rows that MEDIA_ROOT no longer holds."""


def _media(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def staged_write(submission: Submission, rows: pl.DataFrame) -> str:
    """Keep a valid submission's checked rows (STAGED_SCHEMA's columns) as its staged file, in key order; the
    name to record in `staged_file`. Written under a hidden name and renamed, so a reader or a backup never
    sees half a file; before the report commits, so a valid submission always has its rows."""
    name = staged_rows_path(submission)
    path = _media(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    # In key order, so that publication walks the master's key index in order rather than at random.
    in_key_order(rows.select(list(STAGED_SCHEMA))).write_parquet(partial, compression=COMPRESSION, statistics=False)
    os.replace(partial, path)
    return name


def in_key_order(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows sorted by their key (text, byte order), through one whole number per row: each column's code
    becomes its rank among the few codes it holds, the ranks one mixed-radix number. A third of the time of
    polars' sort on the seven text columns (a million rows: 0.8 s of CPU against 2.4 s), the same order."""
    ranks, size = [], 1
    for column in KEY_COLUMNS:
        codes = rows.get_column(column).unique().sort()
        ranks.append(
            (pl.col(column).replace_strict(codes, pl.int_range(codes.len(), dtype=pl.UInt64, eager=True)), codes.len())
        )
        size *= max(codes.len(), 1)
    if size >= 2**64:  # too many codes for one number: sort on the ranks themselves
        return rows.sort([rank for rank, _ in ranks])
    number = pl.lit(0, dtype=pl.UInt64)
    for rank, width in ranks:
        number = number * width + rank
    return rows.sort(number)


def staged_frame(submission: Submission, columns: list[str] | None = None) -> pl.DataFrame:
    """The submission's staged rows (`row` and the layout's columns, or those asked for), from its file or,
    for a submission staged by an earlier portal, from the table; empty when it has none."""
    columns = list(STAGED_SCHEMA) if columns is None else columns
    if submission.staged_file:
        path = _media(submission.staged_file)
        if not path.exists():
            raise StagedRowsMissing(
                f"Submission #{submission.pk}'s checked rows ({submission.staged_file}) are not in MEDIA_ROOT; "
                "restore the file from a backup, or upload the submission's file again."
            )
        return pl.read_parquet(path, columns=columns)
    table = connection.ops.quote_name(StagedObservation._meta.db_table)
    return read_frame(
        f"SELECT {', '.join(columns)} FROM {table} WHERE submission_id = %s",
        [submission.pk],
        {c: STAGED_SCHEMA[c] for c in columns},
    )


def returned_replaced() -> QuerySet[Submission]:
    """Returned submissions for whose country and round a newer file passed its checks."""
    newer = Submission.objects.filter(
        country_id=OuterRef("country_id"),
        round_id=OuterRef("round_id"),
        status__in=REPLACING,
        uploaded_at__gt=OuterRef("uploaded_at"),
    )
    return Submission.objects.filter(Exists(newer), status=S.RETURNED)


def staged_replaced(submission: Submission) -> int:
    """Remove the staged rows of the returned submissions this newly valid one replaces (their files once the
    transaction commits); how many table rows went."""
    replaced = returned_replaced().filter(country_id=submission.country_id, round_id=submission.round_id)
    for name in replaced.exclude(staged_file="").values_list("staged_file", flat=True):
        _remove_on_commit(name)
    deleted, _ = StagedObservation.objects.filter(submission__in=replaced.values("pk")).delete()
    return deleted


def _remove_on_commit(name: str) -> None:
    """Remove a staged file once the transaction that let it go commits: a rollback still finds it."""
    transaction.on_commit(lambda: _media(name).unlink(missing_ok=True))


STAGED_INPUT = "publication_staged"


def staged_relation(cursor: Any, submission_id: int) -> str:
    """The submission's staged rows as one temporary table for publication's statements, dropped by
    `staged_served`: columns id, submission_id, row, and the key and value columns of the long layout. This is
    the one place publication learns where validated rows are kept."""
    table = connection.ops.quote_name(StagedObservation._meta.db_table)
    submission = Submission.objects.get(pk=submission_id)
    if not submission.staged_file:  # staged in the table by a portal before issue 14
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGED_INPUT} AS SELECT * FROM {table} WHERE submission_id = %s",
            [submission_id],
        )
        return STAGED_INPUT
    # The table's columns and types, none of its rows; a temporary table writes no WAL, so the COPY is quick.
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGED_INPUT} AS SELECT * FROM {table} WHERE 1 = 0")
    rows = staged_frame(submission)
    bulk_load_table(
        STAGED_INPUT,
        rows.select(
            pl.int_range(1, rows.height + 1, dtype=pl.Int64).alias("id"),
            pl.lit(submission_id, dtype=pl.Int64).alias("submission_id"),
            "row",
            *KEY_COLUMNS,
            *VALUE_COLUMNS,
        ),
        cursor=cursor,
    )
    return STAGED_INPUT


def staged_served(cursor: Any, submission_id: int) -> None:
    """Published, the staged rows have served: the master holds each value with its row in the file, or an
    unchanged value's match (10 M staged rows once stayed behind after 25 uploads). The file goes once the
    publication commits."""
    cursor.execute(f"DROP TABLE {STAGED_INPUT}")
    name = Submission.objects.filter(pk=submission_id).values_list("staged_file", flat=True).first()
    if name:
        _remove_on_commit(name)
    cursor.execute(
        f"DELETE FROM {connection.ops.quote_name(StagedObservation._meta.db_table)} WHERE submission_id = %s",
        [submission_id],
    )


def _served(having: list[int]) -> list[int]:
    """Of these submissions, those whose staged rows no longer serve anything: published, invalid, returned and
    replaced, or deleted (the rows have no database constraint, a file none either)."""
    serving = Submission.objects.filter(pk__in=having).exclude(
        Q(status__in=[S.PUBLISHED, S.INVALID]) | Q(pk__in=returned_replaced().values("pk"))
    )
    kept = set(serving.values_list("pk", flat=True))
    return sorted(pk for pk in having if pk not in kept)


def _staged_files() -> dict[int, Path]:
    """Every staged file in MEDIA_ROOT by its submission's id (a hidden one is still being written)."""
    found = {}
    for path in Path(settings.MEDIA_ROOT).glob(STAGED_FILES):
        pk = path.stem.removeprefix("staged-")
        if pk.isdigit():
            found[int(pk)] = path
    return found


def staged_leftover_ids() -> list[int]:
    """The submissions whose staged rows or staged file no longer serve anything."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT submission_id FROM {connection.ops.quote_name(StagedObservation._meta.db_table)}"
        )
        having = {row[0] for row in cursor.fetchall()}
    return _served(sorted(having | set(_staged_files())))


def staged_purge(submission_id: int, *, batch: int = PURGE_BATCH_ROWS) -> int:
    """Remove one submission's staged rows a batch at a time (each its own transaction), and its staged file;
    how many rows went (a file's rows counted)."""
    table = connection.ops.quote_name(StagedObservation._meta.db_table)
    total = 0
    path = _staged_files().get(submission_id)
    if path is not None:
        total += pl.scan_parquet(path).select(pl.len()).collect().item()
        path.unlink(missing_ok=True)
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE submission_id = %s LIMIT %s)",
                [submission_id, batch],
            )
            deleted = cursor.rowcount
        total += deleted
        if deleted < batch:
            return total


def staged_pairs(submissions: QuerySet[Submission]) -> set[tuple[str, str]]:
    """The (indicator, time) pairs the given submissions' staged rows cover."""
    pairs: set[tuple[str, str]] = set()
    legacy = []
    for submission in submissions.only("pk", "staged_file"):
        if submission.staged_file:
            frame = staged_frame(submission, ["indicator", "time"]).unique()
            pairs.update(frame.iter_rows())
        else:
            legacy.append(submission.pk)
    if legacy:
        table = StagedObservation.objects.filter(submission__in=legacy).values_list("indicator", "time").distinct()
        pairs.update(table)
    return pairs
