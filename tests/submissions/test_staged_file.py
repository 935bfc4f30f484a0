"""A valid submission's checked rows are kept as a Parquet file beside its upload until published; rows staged in
the StagedObservation table by a portal before issue 14 still publish, show and purge as before."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.management import call_command

from collection.lib.bulkload import bulk_load
from collection.models import Observation, StagedObservation, Submission
from collection.publication.publish import FAILED_INTERNAL, observations_publish, publication_failure
from collection.review.workspace import submission_compare
from collection.submissions.staged import in_key_order, staged_frame
from collection.validation.run import reported_elsewhere
from tests import factories
from tests.publication.test_publication import approved
from tests.staged_rows import staged_count, staged_file_exists


def shown(submission: Submission) -> list[tuple]:
    """What the reviewer's comparison lists for the submission, row by row."""
    return sorted(
        (r.row, r.sex, r.classif1, r.time, r.value, r.published, r.outcome, r.basis)
        for table in submission_compare(submission=submission).values()
        for r in table.rows
    )


def as_before_issue_14(submission: Submission) -> pl.DataFrame:
    """Move the submission's staged rows from its file into the table, as an earlier portal staged them."""
    rows = staged_frame(submission)
    bulk_load(StagedObservation, rows.with_columns(pl.lit(submission.pk, dtype=pl.Int64).alias("submission_id")))
    (Path(settings.MEDIA_ROOT) / submission.staged_file).unlink()
    Submission.objects.filter(pk=submission.pk).update(staged_file="")
    submission.refresh_from_db()
    return rows


def test_a_valid_file_keeps_its_rows_beside_the_upload_in_key_order(focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    assert submission.staged_file == f"submissions/{open_round.pk}/THA/staged-{submission.pk}.parquet"
    assert Path(submission.file.path).parent == (Path(settings.MEDIA_ROOT) / submission.staged_file).parent
    rows = staged_frame(submission)
    assert rows.height == submission.observation_count > 0
    assert not StagedObservation.objects.exists()
    assert rows.equals(rows.sort("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time"))
    assert rows.filter(pl.col("classif2").is_null()).is_empty()  # an empty code is '', as in the master


def test_an_invalid_file_keeps_no_rows(focal_point, open_round):
    submission = factories.validated(focal_point, open_round, b"not,a,valid\nfile,at,all\n")
    assert submission.status == Submission.Status.INVALID and submission.staged_file == ""


def test_the_key_order_is_polars_sort_of_the_text_columns():
    frame = pl.DataFrame(
        {
            "indicator": ["B", "A", "A", "B", "A"],
            "ref_area": ["THA"] * 5,
            "source": ["BA", "BA", "AA", "BA", "BA"],
            "sex": ["SEX_T", "SEX_F", "SEX_T", "SEX_F", "SEX_F"],
            "classif1": ["X", "Y", "X", "Y", "X"],
            "classif2": ["", "", "", "", ""],
            "time": ["2024", "2025", "2024", "2024", "2024"],
            "row": [2, 3, 4, 5, 6],
        }
    )
    keys = ["indicator", "ref_area", "source", "sex", "classif1", "classif2", "time"]
    assert in_key_order(frame).equals(frame.sort(keys))


def test_a_submission_staged_in_the_table_before_issue_14_publishes_and_shows_the_same(
    focal_point, reviewer, open_round, django_capture_on_commit_callbacks
):
    from_file = approved(focal_point, reviewer, open_round, factories.sample_csv())
    expected = shown(from_file)
    legacy = as_before_issue_14(from_file)
    assert shown(from_file) == expected  # the comparison reads the table alike
    assert staged_count(from_file) == legacy.height
    with django_capture_on_commit_callbacks(execute=True):
        publication = observations_publish(submission_id=from_file.pk)
    from_file.refresh_from_db()
    assert from_file.status == Submission.Status.PUBLISHED
    assert publication.observation_count == publication.new_count == legacy.height
    assert Observation.objects.filter(submission=from_file, is_current=True).count() == legacy.height
    assert not StagedObservation.objects.exists()  # served: removed
    assert shown(from_file) == [(*r[:6], "new", r[7]) for r in expected]  # its publication's rows now


def test_a_file_kept_submission_publishes_the_same_values_as_one_staged_in_the_table(focal_point, reviewer, open_round):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    rows = staged_frame(submission)
    observations_publish(submission_id=submission.pk)
    published = pl.DataFrame(
        list(Observation.objects.filter(submission=submission).values("source_row", "indicator", "sex", "time")),
    ).sort("source_row")
    assert published.rows() == rows.select("row", "indicator", "sex", "time").sort("row").rows()


def test_a_staged_file_missing_from_media_root_fails_the_publication_with_a_sentence(focal_point, reviewer, open_round):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    (Path(settings.MEDIA_ROOT) / submission.staged_file).unlink()
    assert observations_publish(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert publication_failure(submission) == FAILED_INTERNAL
    assert not Observation.objects.exists()


def test_a_pending_submissions_file_counts_as_reported(focal_point, open_round):
    pending = factories.submit(focal_point, factories.validated(focal_point, open_round))
    newer = factories.validated(focal_point, open_round)
    pairs = set(staged_frame(pending, ["indicator", "time"]).unique().iter_rows())
    assert (
        pairs and reported_elsewhere(newer, pl.DataFrame(schema={"indicator": pl.String, "time": pl.String})) == pairs
    )
    as_before_issue_14(pending)  # the same from the table
    assert reported_elsewhere(newer, pl.DataFrame(schema={"indicator": pl.String, "time": pl.String})) == pairs


def test_purge_staged_removes_the_files_that_serve_nothing(focal_point, open_round, capsys):
    invalid = factories.validated(focal_point, open_round)
    Submission.objects.filter(pk=invalid.pk).update(status=Submission.Status.INVALID)  # as a failed commit leaves it
    waiting = factories.submit(focal_point, factories.validated(focal_point, open_round))
    gone = factories.validated(focal_point, open_round)
    path = Path(settings.MEDIA_ROOT) / gone.staged_file
    Submission.objects.filter(pk=gone.pk).delete()
    assert path.exists()
    call_command("purge_staged")
    out = capsys.readouterr().out
    assert "from 2 submission(s)" in out and f"{2 * invalid.observation_count:,} staged rows removed" in out
    assert not path.exists() and not staged_file_exists(invalid)
    assert staged_file_exists(waiting)


@pytest.mark.django_db(transaction=True)
def test_a_backup_carries_the_staged_files(focal_point, open_round, tmp_path):
    submission = factories.validated(focal_point, open_round)
    call_command("backup", "--dir", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["problems"] == []
    assert f"media/{submission.staged_file}" in manifest["files"]
    kept = pl.read_parquet(backup / "media" / submission.staged_file)
    assert kept.equals(staged_frame(submission))
