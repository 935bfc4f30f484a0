"""Publication into the master table: current values, history, provenance, one current value per key."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from collection.lib.longlayout import rows_to_csv
from collection.models import Observation, Publication, StagedObservation
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.staged_rows import staged_count, staged_file_exists

FORP = "MST_FORP_SEX_CBR_NB"
FORP_TOTAL = {"indicator": FORP, "sex": "SEX_T", "classif1": "CBR_BRT_TOTAL", "classif2": "", "time": "2024"}


def approved(focal_point, reviewer, round_, content: bytes):
    """Upload, validate, submit and approve: the publication task is left to the test."""
    submission = factories.validated(focal_point, round_, content)
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    return submission


def publish(focal_point, reviewer, round_, content: bytes):
    submission = approved(focal_point, reviewer, round_, content)
    release = observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission, release


def edited(content: bytes, change: Callable[[dict], None]) -> bytes:
    """The file with `change` applied to each of its rows, as a focal point edits a pre-filled file."""
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    for row in rows:
        change(row)
    return rows_to_csv(rows).encode()


def flag_break(row: dict) -> None:
    """One change that keeps every total right: the foreign-born total of 2024 gets a series break."""
    if all(row[k] == v for k, v in FORP_TOTAL.items()):
        row["obs_status"], row["note"] = "B", "series break: new LFS design"


def current(**key) -> Observation:
    return Observation.objects.get(is_current=True, **{**FORP_TOTAL, **key})


def test_publication_makes_every_staged_row_current(
    focal_point, reviewer, open_round, django_capture_on_commit_callbacks
):
    submission = approved(focal_point, reviewer, open_round, factories.sample_csv())
    staged = staged_count(submission)
    assert staged_file_exists(submission)  # kept as a file beside the upload, not in the table
    assert not StagedObservation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        release = observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "published"
    assert staged == submission.observation_count > 0
    assert not staged_file_exists(submission)  # served: removed once the publication committed
    assert Observation.objects.filter(is_current=True, publication=release).count() == staged
    assert (release.observation_count, release.new_count, release.revised_count) == (staged, staged, 0)
    assert (release.unchanged_count, release.outdated_count) == (0, 0)
    assert release.approved_by == reviewer


def test_provenance_leads_back_to_the_file_row(focal_point, reviewer, open_round):
    content = factories.sample_csv()
    submission, release = publish(focal_point, reviewer, open_round, content)
    lines = content.decode().splitlines()
    observation = Observation.objects.filter(indicator=FORP, sex="SEX_F").order_by("source_row").first()
    line = lines[observation.source_row - 1].split(",")
    assert line[1] == FORP and line[3] == "SEX_F" and line[4] == observation.classif1
    assert Decimal(line[7]) == observation.obs_value
    assert observation.submission_id == submission.pk and observation.publication_id == release.pk


def test_a_revision_becomes_current_and_the_old_value_stays_as_history(focal_point, reviewer, open_round):
    first, release1 = publish(focal_point, reviewer, open_round, factories.sample_csv(years=(2024,)))
    # The pre-filled 2024 values sent again with one flag changed, and the new year.
    second, release2 = publish(focal_point, reviewer, open_round, edited(factories.sample_csv(), flag_break))
    per_year = first.observation_count
    new_year = second.observation_count - per_year
    counts = (release2.new_count, release2.revised_count, release2.unchanged_count, release2.outdated_count)
    assert counts == (new_year, 1, per_year - 1, 0)
    assert release2.observation_count == second.observation_count
    assert Observation.objects.count() == per_year + new_year + 1
    assert Observation.objects.filter(is_current=True).count() == second.observation_count
    old = Observation.objects.get(publication=release1, **FORP_TOTAL)
    assert not old.is_current and old.superseded_by == release2 and old.obs_status == ""
    total = current()
    assert total.publication == release2 and (total.obs_status, total.note) == ("B", "series break: new LFS design")
    # Every other 2024 value keeps its version and the release that published it.
    assert Observation.objects.filter(is_current=True, publication=release1).count() == per_year - 1
    assert not Observation.objects.filter(publication=release1, superseded_by__isnull=False).exclude(pk=old.pk).exists()


def test_values_sent_again_unchanged_write_no_version(focal_point, reviewer, open_round):
    content = factories.sample_csv()
    first, release1 = publish(focal_point, reviewer, open_round, content)
    second, release2 = publish(focal_point, reviewer, open_round, content)
    assert (release2.new_count, release2.revised_count, release2.unchanged_count) == (0, 0, first.observation_count)
    assert Observation.objects.count() == first.observation_count
    assert not Observation.objects.filter(publication=release2).exists()
    assert current().publication == release1


def test_a_changed_note_alone_is_a_revision(focal_point, reviewer, open_round):
    content = factories.sample_csv(years=(2024,))
    publish(focal_point, reviewer, open_round, content)

    def annotate(row: dict) -> None:
        if all(row[k] == v for k, v in FORP_TOTAL.items()):
            row["note"] = "Includes refugees registered with UNHCR."

    _, release = publish(focal_point, reviewer, open_round, edited(content, annotate))
    assert (release.new_count, release.revised_count) == (0, 1)
    assert current().note == "Includes refugees registered with UNHCR."


def test_publications_run_in_reverse_order_leave_the_later_approval_current(focal_point, reviewer, open_round):
    """A worker restart runs the publication of the later approval first; the earlier one must not win."""
    base = factories.sample_csv(years=(2024,))
    publish(focal_point, reviewer, open_round, base)
    # A: the 2024 values with a series break on the total, and the year 2025 that only A carries.
    earlier = approved(focal_point, reviewer, open_round, edited(factories.sample_csv(), flag_break))

    def annotate(row: dict) -> None:
        flag_break(row)
        if row["note"]:
            row["note"] = "series break: new LFS design, weights revised"

    # B, approved after A: 2024 only, the same total with a different note.
    later = approved(focal_point, reviewer, open_round, edited(base, annotate))
    release_b = observations_publish(submission_id=later.pk)
    release_a = observations_publish(submission_id=earlier.pk)

    assert current().note == "series break: new LFS design, weights revised"
    assert current().publication == release_b
    new_year = earlier.observation_count - later.observation_count
    assert Observation.objects.filter(is_current=True, time="2025", publication=release_a).count() == new_year
    # A's own value of the total is history beneath B's; the rest of A's 2024 is the same as the current values.
    outdated = Observation.objects.get(publication=release_a, **FORP_TOTAL)
    assert not outdated.is_current and outdated.superseded_by == release_b
    assert outdated.note == "series break: new LFS design"
    counts = (release_a.new_count, release_a.revised_count, release_a.unchanged_count, release_a.outdated_count)
    assert counts == (new_year, 0, later.observation_count - 1, 1)
    assert (release_b.new_count, release_b.revised_count, release_b.unchanged_count) == (
        0,
        1,
        later.observation_count - 1,
    )
    assert Observation.objects.filter(is_current=True).count() == earlier.observation_count


def test_publications_in_approval_order_give_the_same_current_values(focal_point, reviewer, open_round):
    base = factories.sample_csv(years=(2024,))
    publish(focal_point, reviewer, open_round, base)
    earlier = approved(focal_point, reviewer, open_round, edited(base, flag_break))
    later = approved(focal_point, reviewer, open_round, base)  # B takes the break back out
    observations_publish(submission_id=earlier.pk)
    release_b = observations_publish(submission_id=later.pk)
    assert current().obs_status == "" and current().publication == release_b
    assert release_b.revised_count == 1


def test_the_database_allows_one_current_value_per_key(focal_point, reviewer, open_round):
    publish(focal_point, reviewer, open_round, factories.sample_csv())
    current = Observation.objects.filter(is_current=True).first()
    current.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        current.save()
    current.is_current = False
    current.save()  # history rows of the same key are fine


def test_publishing_twice_publishes_once(focal_point, reviewer, open_round):
    submission, release = publish(focal_point, reviewer, open_round, factories.sample_csv())
    assert observations_publish(submission_id=submission.pk) is None
    assert Publication.objects.count() == 1
    assert Observation.objects.count() == submission.observation_count


def test_history_lists_only_real_changes(as_role, focal_point, reviewer, open_round):
    """Sent three times, changed once: two versions, not three, and no '+0' change."""
    content = factories.sample_csv(years=(2024,))
    publish(focal_point, reviewer, open_round, content)
    publish(focal_point, reviewer, open_round, content)
    _, release = publish(focal_point, reviewer, open_round, edited(content, flag_break))
    response = as_role("reviewer").get(f"/observations/{current().pk}/history/")
    history = response.context["history"]
    assert [v.observation.publication_id for v in history.versions] == [release.pk, release.pk - 2]
    page = response.content.decode()
    assert "<dt>Versions</dt><dd>2</dd>" in page and page.count("Earlier value") == 1
    assert "the same value as the earlier one, with another flag or note" in page  # the flag changed, not the value
    assert "against the earlier value" not in page
    other = Observation.objects.get(is_current=True, **{**FORP_TOTAL, "sex": "SEX_F"})
    page = as_role("reviewer").get(f"/observations/{other.pk}/history/").content.decode()
    assert "<dt>Versions</dt><dd>1</dd>" in page and "against the earlier value" not in page


def test_home_page_counts_new_revised_and_unchanged(client, focal_point, reviewer, open_round):
    content = factories.sample_csv(years=(2024,))
    first, _ = publish(focal_point, reviewer, open_round, content)
    publish(focal_point, reviewer, open_round, edited(content, flag_break))
    page = client.get("/").content.decode()
    n = first.observation_count
    assert f"{n} observations (0 new, 1 revised, {n - 1} unchanged)" in page
    assert f"{n} observations ({n} new, 0 revised, 0 unchanged)" in page
