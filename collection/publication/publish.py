"""Publication: an approved submission's staged rows become the current values of the master table."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from collection.lib.errors import WrongState
from collection.models import (
    KEY_COLUMNS,
    VALUE_COLUMNS,
    Observation,
    Publication,
    Release,
    Review,
    StagedObservation,
    Submission,
)
from collection.submissions.lease import Work, leased
from collection.submissions.machine import submission_move

logger = logging.getLogger(__name__)


# What publication does with each staged row, decided once (see observations_publish).
NEW, REVISED, UNCHANGED, OUTDATED = "n", "r", "u", "o"
PLAN = "publication_plan"


@leased(Work.PUBLICATION)  # one worker at a time (submissions/lease.py); a duplicate message is dropped
def observations_publish(*, submission_id: int) -> Publication | None:
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
    approval = submission.reviews.filter(decision=Review.Decision.APPROVE).order_by("-created_at", "-id").first()
    if approval is None:  # cannot happen: the approval is recorded with the move that approves
        raise WrongState(f"Submission #{submission_id} is approved, but no approval of it is recorded.")
    q = connection.ops.quote_name
    master = q(Observation._meta.db_table)
    staged = q(StagedObservation._meta.db_table)
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
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"publish:{submission.country_id}"])
                # Room to sort a million staged rows in memory (see the INSERT below).
                cursor.execute("SET LOCAL work_mem = '256MB'")
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
            # The staged rows are matched with the master's current values once, into a plan that says what
            # becomes of each: matching them again for every statement below tripled the time of publication.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {PLAN} AS SELECT s.id AS staged_id, o.id AS current_id, "
                f"o.publication_id AS current_publication, CASE WHEN o.id IS NULL THEN %s WHEN NOT ({changed}) THEN %s "
                f"WHEN {later} THEN %s ELSE %s END AS kind "
                f"FROM {staged} AS s LEFT JOIN {master} AS o ON o.is_current AND {key_match} "
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
                f"UPDATE {master} SET is_current = %s, superseded_by_id = %s "
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
            cursor.execute(f"SELECT kind, COUNT(*) FROM {PLAN} GROUP BY kind")
            counts = dict(cursor.fetchall())
            cursor.execute(f"DROP TABLE {PLAN}")
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
