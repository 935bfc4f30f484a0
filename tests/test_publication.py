"""Publication into the master table: current values, history, provenance, one current value per key."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from collection.models import Observation, Release, StagedObservation
from collection.publication import observations_publish
from collection.submissions import submission_approve

from . import factories

FORP = "MST_FORP_SEX_CBR_NB"


def publish(focal_point, reviewer, round_, content: bytes):
    submission = factories.validated(focal_point, round_, content)
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    release = observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission, release


def test_publication_makes_every_staged_row_current(focal_point, reviewer, open_round):
    submission, release = publish(focal_point, reviewer, open_round, factories.sample_csv())
    assert submission.status == "published"
    staged = StagedObservation.objects.filter(submission=submission).count()
    assert staged == submission.observation_count > 0
    assert Observation.objects.filter(is_current=True, release=release).count() == staged
    assert (release.observation_count, release.new_count, release.revised_count) == (staged, staged, 0)
    assert release.approved_by == reviewer


def test_provenance_leads_back_to_the_file_row(focal_point, reviewer, open_round):
    content = factories.sample_csv()
    submission, release = publish(focal_point, reviewer, open_round, content)
    lines = content.decode().splitlines()
    observation = Observation.objects.filter(indicator=FORP, sex="SEX_F").order_by("source_row").first()
    line = lines[observation.source_row - 1].split(",")
    assert line[1] == FORP and line[3] == "SEX_F" and line[4] == observation.classif1
    assert float(line[7]) == observation.obs_value
    assert observation.submission_id == submission.pk and observation.release_id == release.pk


def test_a_revision_becomes_current_and_the_old_value_stays_as_history(focal_point, reviewer, open_round):
    first, release1 = publish(focal_point, reviewer, open_round, factories.sample_csv(years=(2024,)))
    revised = factories.sample_csv(years=(2024, 2025))  # same partner countries: 2024 keys are revised
    second, release2 = publish(focal_point, reviewer, open_round, revised)
    per_year = first.observation_count
    assert (release2.revised_count, release2.new_count) == (per_year, second.observation_count - per_year)
    assert Observation.objects.count() == first.observation_count + second.observation_count
    assert Observation.objects.filter(is_current=True).count() == second.observation_count
    old = Observation.objects.filter(release=release1)
    assert not old.filter(is_current=True).exists()
    assert set(old.values_list("superseded_by", flat=True)) == {release2.pk}
    total = Observation.objects.get(is_current=True, indicator=FORP, sex="SEX_T", classif1="CBR_BRT_TOTAL", time="2024")
    assert total.release == release2


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
    assert Release.objects.count() == 1
    assert Observation.objects.count() == submission.observation_count
