"""When a submission's staged rows have served: they are kept while a page or a publication may read them, and
removed once the submission is published (by publication), or returned and then replaced by a newer file of the
same country and round that passed its checks (here). `purge_staged` removes what earlier versions left behind."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from collection.models import StagedObservation, Submission

logger = logging.getLogger(__name__)
S = Submission.Status

PURGE_BATCH_ROWS = 50_000  # rows per DELETE: each batch commits alone, so no transaction grows with the table

# A newer file of the same country and round that passed its checks replaces a returned one: the returned
# submission's page shows its values (beside the reviewer's comment) until the corrected file is in.
REPLACING = frozenset({S.VALID, S.SUBMITTED, S.APPROVED, S.PUBLISHED})


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
    """Remove the staged rows of the returned submissions this newly valid one replaces; how many went."""
    replaced = returned_replaced().filter(country_id=submission.country_id, round_id=submission.round_id)
    deleted, _ = StagedObservation.objects.filter(submission__in=replaced.values("pk")).delete()
    return deleted


STAGED_INPUT = "publication_staged"


def staged_relation(cursor: Any, submission_id: int) -> str:
    """The submission's staged rows as one temporary table for publication's statements, dropped by
    `staged_served`: columns id, submission_id, row, and the key and value columns of the long layout. This is
    the one place publication learns where validated rows are kept."""
    table = connection.ops.quote_name(StagedObservation._meta.db_table)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGED_INPUT} AS SELECT * FROM {table} WHERE submission_id = %s", [submission_id]
    )
    return STAGED_INPUT


def staged_served(cursor: Any, submission_id: int) -> None:
    """Published, the staged rows have served: the master holds each value with its row in the file, or an
    unchanged value's match (10 M staged rows once stayed behind after 25 uploads)."""
    cursor.execute(f"DROP TABLE {STAGED_INPUT}")
    cursor.execute(
        f"DELETE FROM {connection.ops.quote_name(StagedObservation._meta.db_table)} WHERE submission_id = %s",
        [submission_id],
    )


def staged_leftover_ids() -> list[int]:
    """The submissions whose staged rows no longer serve anything: published, invalid, returned and replaced,
    or deleted (the rows have no database constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT submission_id FROM {connection.ops.quote_name(StagedObservation._meta.db_table)}"
        )
        having = [row[0] for row in cursor.fetchall()]
    served = Submission.objects.filter(pk__in=having).exclude(
        Q(status__in=[S.PUBLISHED, S.INVALID]) | Q(pk__in=returned_replaced().values("pk"))
    )
    kept = set(served.values_list("pk", flat=True))
    return sorted(pk for pk in having if pk not in kept)


def staged_purge(submission_id: int, *, batch: int = PURGE_BATCH_ROWS) -> int:
    """Remove one submission's staged rows a batch at a time (each its own transaction); how many went."""
    table = connection.ops.quote_name(StagedObservation._meta.db_table)
    total = 0
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
