"""Publication: an approved submission's staged rows become the current values of the master table."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from collection.lib.bulkload import ANALYZE_AFTER_ROWS, analyze_after_commit
from collection.lib.errors import WrongState
from collection.models import (
    KEY_COLUMNS,
    VALUE_COLUMNS,
    AuditAction,
    AuditEntry,
    Observation,
    Publication,
    Release,
    Review,
    Submission,
    UnchangedValue,
)
from collection.publication.partitions import partition_ensure
from collection.submissions.lease import Work, leased
from collection.submissions.machine import submission_move
from collection.submissions.staged import staged_relation, staged_served

logger = logging.getLogger(__name__)


# What publication does with each staged row, decided once (see observations_publish).
NEW, REVISED, UNCHANGED, OUTDATED = "n", "r", "u", "o"
PLAN = "publication_plan"

# What the reviewer reads when a publication could not be made (the submission goes back to review).
FAILED_BUSY = (
    "It could not be published: the database stayed busy or out of reach through several attempts. Nothing was "
    "published; it is back in the review queue: approve it again to publish it."
)
FAILED_INTERNAL = (
    "It could not be published because of an internal error. Nothing was published; the ILO team has been "
    "notified. It is back in the review queue: approve it again once the team says the error is fixed."
)


@leased(Work.PUBLICATION)  # one worker at a time (submissions/lease.py); a duplicate message is dropped
def observations_publish(*, submission_id: int, last_attempt: bool = True) -> Publication | None:
    """Publish an approved submission (see `_publish`); any failure ends cleanly. A lock or statement timeout
    or a lost connection (OperationalError) is raised for the worker to try again, unless this is its
    `last_attempt`; that or any other error sends the submission back to review with a sentence saying so
    (the traceback goes to the log). The transaction is all or nothing: a failure publishes nothing."""
    try:
        return _publish(submission_id)
    except OperationalError:
        if not last_attempt:
            logger.warning("publication of submission %s failed; it will be tried again", submission_id, exc_info=True)
            raise
        logger.exception("publication of submission %s failed at its last attempt", submission_id)
        reason = FAILED_BUSY
    except Exception:
        logger.exception("publication of submission %s failed", submission_id)
        reason = FAILED_INTERNAL
    publication_failed(submission_id=submission_id, reason=reason)
    return None


def publication_failed(*, submission_id: int, reason: str) -> None:
    """An approved submission that could not be published goes back to the review queue (approved → submitted)
    with the reason in its event's audit entry, so that it is never left approved for ever."""
    if not connection.in_atomic_block:  # a connection the failure broke is replaced, not reused
        connection.close_if_unusable_or_obsolete()
    submission = Submission.objects.filter(pk=submission_id, status=Submission.Status.APPROVED).first()
    if submission is None:
        return
    try:
        submission_move(submission=submission, move="publication_failed", detail={"reason": reason})
    except WrongState:  # published or moved meanwhile by another attempt: nothing is left to settle
        logger.info("submission %s moved on before its failed publication was settled", submission_id)


def publication_failure(submission: Submission) -> str:
    """Why a submission back in review could not be published the last time, or '' (shown to the reviewer)."""
    if submission.status != Submission.Status.SUBMITTED:
        return ""
    entry = (
        AuditEntry.objects.filter(
            object_type="submission",
            object_id=str(submission.pk),
            action=AuditAction.SUBMISSION_STATUS,
            detail__from=Submission.Status.APPROVED,
            detail__to=Submission.Status.SUBMITTED,
        )
        .order_by("-at", "-id")
        .first()
    )
    return str(entry.detail.get("reason", "")) if entry is not None else ""


def _time_limits(cursor: object) -> None:
    """The publication's time limits on PostgreSQL, for its transaction only (see settings): every one of these
    may be set by any session (context `user` in pg_settings)."""
    for name, seconds in (
        ("lock_timeout", settings.PUBLICATION_LOCK_TIMEOUT),
        ("statement_timeout", settings.PUBLICATION_STATEMENT_TIMEOUT),
        ("client_connection_check_interval", settings.PUBLICATION_CLIENT_CHECK_INTERVAL),
        ("idle_in_transaction_session_timeout", settings.PUBLICATION_IDLE_TIMEOUT),
    ):
        cursor.execute(f"SET LOCAL {name} = '{int(seconds)}s'")  # type: ignore[attr-defined]


def _publish(submission_id: int) -> Publication | None:
    """Publish in one transaction: a key's value becomes current when it is new or changed, and when no
    submission approved later already holds it; the value it replaces stays as history.

    A value sent again unchanged (value, flag and notes) writes nothing: the key keeps its version and release.
    A value that a later approval already replaced (its publication ran first) is kept as history only, so
    whatever order the tasks run in, the current value of every key is the most recently approved one.
    The staged rows were loaded with COPY by the worker at validation; here set-based statements move them,
    so no row passes through Python. Running it twice publishes once (the status move is conditional).
    The values join the release the approval chose (public at its moment), or one of their own, public now.
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.status != Submission.Status.APPROVED:
        logger.info("submission %s is not approved; nothing to publish", submission_id)
        return None
    # The country's own partition of the master (PostgreSQL), made now if this is its first publication: every
    # statement below reads and updates only it, so its indexes are the country's, not the world's.
    partition = partition_ensure(submission.country_id)
    q = connection.ops.quote_name
    master = q(Observation._meta.db_table)
    own = q(partition) if partition else master  # every staged row is of the submission's country (validation)
    publications = q(Publication._meta.db_table)
    key_match = " AND ".join(f"o.{q(c)} = s.{q(c)}" for c in KEY_COLUMNS)
    # Every column is NOT NULL (an empty flag or note is ''), so a plain comparison is null-safe here.
    changed = " OR ".join(f"o.{q(c)} <> s.{q(c)}" for c in VALUE_COLUMNS)
    # The approval that made the current value against this one: (time, review id), the id breaking a tie. A
    # publication made without one (migration 0011 filled in the earlier ones) counts from when it ran.
    later = "(COALESCE(r.approved_at, r.published_at), COALESCE(r.approval_id, 0)) > (me.approved_at, me.approval_id)"
    columns = KEY_COLUMNS + VALUE_COLUMNS
    column_list = ", ".join(q(c) for c in columns)
    staged_columns = ", ".join(f"s.{q(c)}" for c in columns)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one publication per country at a time (SQLite serialises anyway)
            with connection.cursor() as cursor:
                _time_limits(cursor)  # before the lock, so that waiting for it is bounded too
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"publish:{submission.country_id}"])
                # Room to sort a million staged rows in memory (see the INSERT below).
                cursor.execute("SET LOCAL work_mem = '256MB'")
        # Read again under the lock: a second message for the same submission waited here while the first
        # published it, and must find it published rather than publish it again.
        submission = Submission.objects.get(pk=submission_id)
        if submission.status != Submission.Status.APPROVED:
            logger.info("submission %s was published meanwhile; nothing to publish", submission_id)
            return None
        approval = submission.reviews.filter(decision=Review.Decision.APPROVE).order_by("-created_at", "-id").first()
        if approval is None:  # cannot happen: the approval is recorded with the move that approves
            raise WrongState(f"Submission #{submission_id} is approved, but no approval of it is recorded.")
        release = approval.release or release_of_own(submission)
        publication = Publication.objects.create(
            submission=submission,
            release=release,
            approved_by=approval.reviewer,
            approval=approval,
            approved_at=approval.created_at,
        )
        submission_move(  # done by the worker; the audit entry names the release and who approved it
            submission=submission,
            move="publish",
            detail={"release": release.pk, "publication": publication.pk, "approved_by": approval.reviewer.username},
        )
        with connection.cursor() as cursor:
            staged = staged_relation(cursor, submission.pk)
            # The staged rows are matched with the master's current values once, into a plan that says what
            # becomes of each: matching them again for every statement below tripled the time of publication.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {PLAN} AS SELECT s.id AS staged_id, o.id AS current_id, "
                f"o.publication_id AS current_publication, CASE WHEN o.id IS NULL THEN %s WHEN NOT ({changed}) THEN %s "
                f"WHEN {later} THEN %s ELSE %s END AS kind "
                f"FROM {staged} AS s LEFT JOIN {own} AS o ON o.is_current AND {key_match} "
                f"LEFT JOIN {publications} AS r ON r.id = o.publication_id JOIN {publications} AS me ON me.id = %s "
                f"WHERE s.submission_id = %s",
                [NEW, UNCHANGED, OUTDATED, REVISED, publication.pk, submission.pk],
            )
            if connection.vendor == "postgresql":  # a temporary table has no statistics until asked
                cursor.execute(f"ANALYZE {PLAN}")
            # Outdated: a later approval's value is current already; this one joins the history beneath it.
            cursor.execute(
                f"INSERT INTO {master} ({column_list}, submission_id, source_row, publication_id, is_current, "
                f"superseded_by_id) SELECT {staged_columns}, s.submission_id, s.row, %s, %s, p.current_publication "
                f"FROM {PLAN} AS p JOIN {staged} AS s ON s.id = p.staged_id WHERE p.kind = %s",
                [publication.pk, False, OUTDATED],
            )
            # Revised: the current value came from an earlier approval and differs; it becomes history.
            cursor.execute(
                f"UPDATE {own} SET is_current = %s, superseded_by_id = %s "
                f"WHERE id IN (SELECT current_id FROM {PLAN} WHERE kind = %s)",
                [False, publication.pk, REVISED],
            )
            # New and revised keys have no current value now; unchanged and outdated ones keep theirs.
            cursor.execute(
                f"INSERT INTO {master} ({column_list}, submission_id, source_row, publication_id, is_current) "
                f"SELECT {staged_columns}, s.submission_id, s.row, %s, %s "
                f"FROM {PLAN} AS p JOIN {staged} AS s ON s.id = p.staged_id WHERE p.kind IN (%s, %s) "
                # In key order the key index is written page after page instead of at random: on a master
                # far larger than shared_buffers that took 33 s down to 21 s for 1M rows into 10M.
                f"ORDER BY {', '.join(f's.{q(c)}' for c in KEY_COLUMNS)}",
                [publication.pk, True, NEW, REVISED],
            )
            # Unchanged: nothing written to the master; which row it matched is kept for the submission's page.
            cursor.execute(
                f"INSERT INTO {q(UnchangedValue._meta.db_table)} (publication_id, observation_id, row) "
                f"SELECT %s, p.current_id, s.row FROM {PLAN} AS p JOIN {staged} AS s ON s.id = p.staged_id "
                f"WHERE p.kind = %s",
                [publication.pk, UNCHANGED],
            )
            cursor.execute(f"SELECT kind, COUNT(*) FROM {PLAN} GROUP BY kind")
            counts = dict(cursor.fetchall())
            cursor.execute(f"DROP TABLE {PLAN}")
            staged_served(cursor, submission.pk)
        # The master grew by this many rows: the next publication and the readers are planned on its new
        # statistics, not on those of before (autovacuum comes minutes later).
        written = sum(counts.get(k, 0) for k in (NEW, REVISED, OUTDATED))
        if partition is None:
            analyze_after_commit(Observation, written)
        else:  # its partition alone: ANALYZE of the master would sample every country's partition again
            _analyze_after_commit(own, written)
        publication.new_count = counts.get(NEW, 0)
        publication.revised_count = counts.get(REVISED, 0)
        publication.unchanged_count = counts.get(UNCHANGED, 0)
        publication.outdated_count = counts.get(OUTDATED, 0)
        publication.observation_count = sum(counts.values())
        publication.save(
            update_fields=["observation_count", "revised_count", "new_count", "outdated_count", "unchanged_count"]
        )
        release = release_settled(publication)
    logger.info(
        "submission %s published (publication %s) in release %s: %s new, %s revised, %s unchanged, %s outdated",
        submission_id,
        publication.pk,
        release.pk,
        publication.new_count,
        publication.revised_count,
        publication.unchanged_count,
        publication.outdated_count,
    )
    return publication


def _analyze_after_commit(table: str, rows: int) -> None:
    """ANALYZE of the country's partition once the publication commits (as bulkload.analyze_after_commit)."""
    if rows < ANALYZE_AFTER_ROWS:
        return

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")

    transaction.on_commit(analyze, robust=True)


def release_settled(publication: Publication) -> Release:
    """The release the values come out in, fixed as the last statement before the commit: its own release
    becomes public now; a scheduled release whose moment passed before this publication committed (the worker
    ran late, or the publication outlasted the moment) cannot have shown them at its moment, so the values get a
    release of their own, public now, and what the public saw at any earlier moment stays true."""
    # Locked, as a move or a withdrawal locks it, so that its moment cannot change between this check and the commit.
    release = Release.objects.select_for_update().get(pk=publication.release_id)
    if release.scheduled and (release.withdrawn_at is not None or release.is_upcoming()):
        return release
    if release.scheduled:
        logger.warning(
            "release %s came out at %s, before submission %s was published: its values get a release of their own",
            release.pk,
            release.public_at,
            publication.submission_id,
        )
        release = release_of_own(publication.submission, late_for=release)
        publication.release = release
        publication.save(update_fields=["release"])
    release.public_at = timezone.now()
    release.save(update_fields=["public_at", "updated_at"])
    return release


def release_of_own(submission: Submission, late_for: Release | None = None) -> Release:
    """The release of an approval that joined none: public from the moment of its publication."""
    note = f"Submission #{submission.pk}, public once it was approved and published."
    if late_for is not None:
        note = (
            f"Submission #{submission.pk} was approved into “{late_for.title}”, which came out before the "
            "submission was published; its values came out when they were published."
        )
    return Release.objects.create(title=f"{submission.country.name}: {submission.round.name}", note=note)
