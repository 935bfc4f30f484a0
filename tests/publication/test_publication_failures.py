"""Publication that fails ends cleanly: back in review with a sentence, nothing partial in the master; waiting
for a country's lock is bounded; staged rows go once they have served, and the pages show what they showed."""

from __future__ import annotations

import polars as pl
import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from collection.lib.bulkload import bulk_load
from collection.models import Observation, Publication, StagedObservation, Submission, UnchangedValue
from collection.publication.publish import (
    FAILED_BUSY,
    FAILED_INTERNAL,
    observations_publish,
    publication_failure,
)
from collection.review.decisions import submission_approve, submission_return
from collection.review.workspace import submission_compare
from collection.submissions import staged
from tests import factories
from tests.conftest import database_url
from tests.publication.test_publication import FORP_TOTAL, approved, edited, flag_break
from tests.staged_rows import staged_count, staged_file_exists


def staged_frame(submission: Submission) -> pl.DataFrame:
    """The submission's staged rows as the StagedObservation table holds them (with `submission_id`), the way a
    portal before issue 14 staged them."""
    return staged.staged_frame(submission).with_columns(pl.lit(submission.pk, dtype=pl.Int64).alias("submission_id"))


def restage(submission: Submission, rows: pl.DataFrame) -> None:
    """Replace the submission's staged file with these rows (as a damaged, then mended, file would be)."""
    Submission.objects.filter(pk=submission.pk).update(
        staged_file=staged.staged_write(submission, rows.select(list(staged.STAGED_SCHEMA)))
    )


def shown(submission: Submission) -> list[tuple]:
    """What the workspace lists for the submission: every row of every table, with what it is compared with."""
    return sorted(
        (r.row, r.sex, r.classif1, r.time, r.value, r.published, r.outcome, r.basis)
        for table in submission_compare(submission=submission).values()
        for r in table.rows
    )


# A failure that is not worth retrying


def test_a_publication_that_fails_goes_back_to_review_with_a_sentence_and_nothing_published(
    focal_point, reviewer, open_round, as_role
):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    rows = staged_frame(submission)
    # The same key twice: the master refuses the second current value (a real IntegrityError, mid-publication).
    restage(submission, pl.concat([rows, rows.head(1).with_columns(pl.lit(999_999, dtype=pl.Int64).alias("row"))]))
    assert observations_publish(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED  # in the review queue again, never approved for ever
    assert publication_failure(submission) == FAILED_INTERNAL
    assert not Observation.objects.exists() and not Publication.objects.exists()  # nothing partial
    assert not UnchangedValue.objects.exists()
    assert staged_count(submission) == rows.height + 1  # kept to retry
    event = submission.events.last()
    assert (event.from_status, event.to_status, event.actor) == ("approved", "submitted", None)
    for url in (f"/submissions/{submission.pk}/", f"/review/{submission.pk}/"):
        page = as_role("reviewer").get(url).content.decode()
        assert "could not be published because of an internal error" in page, url
    assert "could not be published" in as_role("fp_tha").get(f"/submissions/{submission.pk}/").content.decode()


def test_once_fixed_and_approved_again_it_publishes(focal_point, reviewer, open_round):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    rows = staged_frame(submission)
    restage(submission, pl.concat([rows, rows.head(1).with_columns(pl.lit(999_999, dtype=pl.Int64).alias("row"))]))
    observations_publish(submission_id=submission.pk)
    restage(submission, rows)  # the team fixed it
    submission_approve(user=reviewer, submission=Submission.objects.get(pk=submission.pk))
    observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PUBLISHED and publication_failure(submission) == ""
    assert Observation.objects.filter(submission=submission).count() == rows.height


# A failure worth retrying: the country's lock is held elsewhere (PostgreSQL)


@pytest.fixture
def lock_held(settings):
    """Another session holds Thailand's publication lock, as a publication still running (or orphaned) does."""
    if connection.vendor != "postgresql":
        pytest.skip("the country's publication lock is PostgreSQL's advisory lock")
    settings.PUBLICATION_LOCK_TIMEOUT = 1
    with psycopg.connect(database_url(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('publish:THA'))")
        yield other


def test_waiting_for_a_held_lock_gives_way_after_the_lock_timeout_and_the_last_attempt_settles(
    focal_point, reviewer, open_round, lock_held
):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    with pytest.raises(OperationalError, match="lock timeout"):
        observations_publish(submission_id=submission.pk, last_attempt=False)  # the worker tries again later
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    observations_publish(submission_id=submission.pk, last_attempt=True)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and publication_failure(submission) == FAILED_BUSY
    assert not Observation.objects.exists()


def test_the_publication_limits_are_set_before_it_waits_for_the_lock(focal_point, reviewer, open_round, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the time limits are PostgreSQL settings")
    seen: dict[str, str] = {}

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("SELECT pg_advisory_xact_lock"):
            with connection.cursor() as cursor:
                for name in ("lock_timeout", "statement_timeout", "client_connection_check_interval"):
                    cursor.execute(f"SHOW {name}")
                    seen[name] = cursor.fetchone()[0]
        return result

    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    with connection.execute_wrapper(record):
        observations_publish(submission_id=submission.pk)
    assert seen == {"lock_timeout": "10s", "statement_timeout": "10min", "client_connection_check_interval": "2s"}


# Staged rows: removed once they have served, and the pages show what they showed


def test_a_published_submission_lists_the_same_rows_after_its_staged_rows_are_gone(
    focal_point, reviewer, open_round, django_capture_on_commit_callbacks
):
    first = approved(focal_point, reviewer, open_round, factories.sample_csv(years=(2024,)))
    observations_publish(submission_id=first.pk)
    # The 2024 values again (one with a series break) and a new year: unchanged, revised and new rows.
    second = approved(focal_point, reviewer, open_round, edited(factories.sample_csv(), flag_break))
    before = shown(second)
    with django_capture_on_commit_callbacks(execute=True):
        publication = observations_publish(submission_id=second.pk)
    assert publication.unchanged_count > 0 and publication.revised_count == 1 and publication.new_count > 0
    assert not staged_file_exists(second) and not StagedObservation.objects.exists()
    assert UnchangedValue.objects.filter(publication=publication).count() == publication.unchanged_count
    assert shown(second) == before
    assert Observation.objects.get(is_current=True, **FORP_TOTAL).obs_status == "B"


def test_a_returned_submission_keeps_its_rows_until_a_corrected_file_passes(
    focal_point, reviewer, open_round, django_capture_on_commit_callbacks
):
    returned = factories.submit(focal_point, factories.validated(focal_point, open_round))
    submission_return(user=reviewer, submission=returned, comment="Check the 2025 totals.")
    returned.refresh_from_db()
    before = shown(returned)
    assert before  # the returned submission's page lists its values beside the comment
    broken = factories.validated(focal_point, open_round, b"not,a,valid\nfile,at,all\n")
    assert broken.status == Submission.Status.INVALID
    assert shown(returned) == before  # a file that failed its checks replaces nothing
    assert staged_file_exists(returned)
    with django_capture_on_commit_callbacks(execute=True):
        corrected = factories.validated(focal_point, open_round)
    assert corrected.status == Submission.Status.VALID
    assert not staged_file_exists(returned)
    assert staged_count(corrected) == corrected.observation_count


def test_purge_staged_removes_only_what_serves_nothing_and_can_run_again(focal_point, reviewer, open_round, capsys):
    published = approved(focal_point, reviewer, open_round, factories.sample_csv(years=(2024,)))
    leftover = staged_frame(published)
    observations_publish(submission_id=published.pk)  # its file is left: the test's transaction never commits
    bulk_load(StagedObservation, leftover)  # what a portal before issue 13 left behind after publishing
    bulk_load(StagedObservation, leftover.with_columns(pl.lit(10**9, dtype=pl.Int64).alias("submission_id")))  # gone
    waiting = factories.submit(focal_point, factories.validated(focal_point, open_round))
    kept = staged_count(waiting)
    call_command("purge_staged", "--batch", "50")
    # The published submission's file and table rows, the rows of one no longer there.
    assert f"{3 * leftover.height:,} staged rows removed from 2 submission(s)" in capsys.readouterr().out
    assert not staged_file_exists(published) and not StagedObservation.objects.exists()
    assert staged_count(waiting) == kept > 0
    call_command("purge_staged")
    assert "0 staged rows removed from 0 submission(s)" in capsys.readouterr().out


# ANALYZE after large loads (PostgreSQL)


def test_a_large_load_is_followed_by_analyze(focal_point, open_round, django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and the planner's row estimate are PostgreSQL's")
    submission = factories.validated(focal_point, open_round)
    one = staged_frame(submission)
    rows = pl.concat(
        one.with_columns(pl.format("{}{}", pl.lit(1000 + i), pl.col("time").str.slice(-1)).alias("time"))
        for i in range(-(-20_000 // one.height))
    )
    with django_capture_on_commit_callbacks(execute=True):
        bulk_load(StagedObservation, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [StagedObservation._meta.db_table])
        estimate = cursor.fetchone()[0]
    assert estimate >= 0.9 * StagedObservation.objects.count()  # the planner knows the rows it has
