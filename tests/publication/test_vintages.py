"""Embargo and vintages: what the public reads is decided by the clock at the read, and can be asked of the past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.utils import timezone

from collection.models import Release
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.publication.test_publication import FORP, FORP_TOTAL, edited

TOMORROW_9 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
KEY = {**FORP_TOTAL, "ref_area": "THA"}


def publish_with(focal_point, reviewer, round_, content: bytes, release: Release | None = None):
    submission = factories.validated(focal_point, round_, content)
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission, release=release)
    return observations_publish(submission_id=submission.pk)


def total(client, **params) -> dict:
    query = {k: KEY[k] for k in ("indicator", "ref_area", "sex", "classif1", "time")}
    response = client.get("/api/v1/observations/", {**query, **params})
    assert response.status_code == 200, response.content
    [row] = [r for r in response.json()["results"] if r["classif2"] == ""]
    return row


def revise(row: dict) -> None:
    """A revision that keeps every total right: the foreign-born total of 2024 is flagged and explained."""
    if all(row[k] == v for k, v in FORP_TOTAL.items()):
        row["obs_status"], row["note"] = "B", "revised with the 2024 census weights"


def revised(row: dict) -> bool:
    return (row["obs_status"], row["note"]) == ("B", "revised with the 2024 census weights")


@time_machine.travel(TODAY, tick=False)
def test_an_embargoed_revision_is_hidden_until_its_moment_and_shown_to_staff_marked(
    client, focal_point, other_focal_point, reviewer, open_round
):
    content = factories.sample_csv()
    first = publish_with(focal_point, reviewer, open_round, content)
    before = Decimal(str(total(client)["obs_value"]))
    scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=scheduled)

    public = total(client)
    assert not revised(public) and public["release"] == first.release_id
    assert public["public"] is True and public["embargoed_until"] is None
    client.force_login(other_focal_point)  # another country's focal point is the public here
    assert not revised(total(client))
    for insider in (reviewer, focal_point):
        client.force_login(insider)
        seen = total(client)
        assert revised(seen) and seen["release"] == scheduled.pk
        assert seen["public"] is False and seen["embargoed_until"].startswith("2026-12-02T09:00")
        assert Decimal(str(seen["previous_value"])) == before
    client.logout()
    csv_text = client.get("/api/v1/observations/", {"format": "csv", "indicator": FORP, "ref_area": "THA"})
    assert f'filename="ilms_observations_{FORP}_THA.csv"' in csv_text.headers["Content-Disposition"]
    assert "2024 census weights" not in b"".join(csv_text.streaming_content).decode()

    with time_machine.travel(TOMORROW_9 - dt.timedelta(seconds=1), tick=False):
        assert not revised(total(client))
        # A moment after the release's is not public yet either: as of the future is as of now.
        assert not revised(total(client, as_of="2030-01-01"))
        assert not revised(total(client, as_of="2026-12-02T09:30:00Z"))
    with time_machine.travel(TOMORROW_9, tick=False):
        now = total(client)
        assert revised(now) and now["release"] == scheduled.pk
        assert now["revised_on"].startswith("2026-12-02T09:00") and Decimal(str(now["previous_value"])) == before
        # What the public saw before the release, and once the first release was out.
        assert not revised(total(client, as_of="2026-12-01"))
        assert not revised(total(client, as_of_release=first.release_id))
        assert revised(total(client, as_of="2026-12-02T09:00:00Z"))
        assert revised(total(client, as_of_release=scheduled.pk))


@time_machine.travel(TODAY, tick=False)
def test_a_withdrawn_release_never_reaches_the_public(client, focal_point, reviewer, open_round):
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    scheduled = Release.objects.create(title="Withdrawn", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=scheduled)
    Release.objects.filter(pk=scheduled.pk).update(withdrawn_at=timezone.now())
    with time_machine.travel(TOMORROW_9 + dt.timedelta(days=1), tick=False):
        assert not revised(total(client))


def test_bad_vintage_parameters_are_explained(client, catalogue):
    response = client.get("/api/v1/observations/", {"as_of": "last tuesday"})
    assert response.status_code == 400 and "ISO 8601" in response.json()["detail"]
    response = client.get("/api/v1/observations/", {"as_of": "2026-02-30"})
    assert response.status_code == 400 and "ISO 8601" in response.json()["detail"]
    response = client.get("/api/v1/observations/", {"as_of_release": "999"})
    assert response.status_code == 400 and "no such release" in response.json()["detail"]


@time_machine.travel(TODAY, tick=False)
def test_values_published_after_their_release_came_out_are_public_from_their_publication(
    client, focal_point, reviewer, open_round
):
    """The worker ran late: the release came out at 09:00 without them, so they get a release of their own."""
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
    submission = factories.validated(focal_point, open_round, edited(content, revise))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission, release=scheduled)
    with time_machine.travel(TOMORROW_9 + dt.timedelta(minutes=5), tick=False):
        publication = observations_publish(submission_id=submission.pk)
        assert publication.release != scheduled and publication.release.public_at == timezone.now()
        assert scheduled.title in publication.release.note
        assert revised(total(client))
    with time_machine.travel(TOMORROW_9 + dt.timedelta(minutes=10), tick=False):
        assert not revised(total(client, as_of="2026-12-02T09:02:00Z"))
        assert revised(total(client, as_of="2026-12-02T09:06:00Z"))


@time_machine.travel(TODAY, tick=False)
def test_the_source_register_says_nothing_of_a_submission_under_embargo(client, focal_point, reviewer, open_round):
    scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(), release=scheduled)
    public = client.get("/countries/THA/sources/").content.decode()
    assert open_round.name not in public and "2024" not in public
    client.force_login(reviewer)
    staff = client.get("/countries/THA/sources/").content.decode()
    assert open_round.name in staff and "2024" in staff
    client.logout()
    with time_machine.travel(TOMORROW_9, tick=False):
        assert open_round.name in client.get("/countries/THA/sources/").content.decode()


def test_numbers_no_column_can_hold_are_refused(client, catalogue):
    for params in ({"release": "9" * 23}, {"obs_value_min": "1e40"}, {"release": "9" * 23, "format": "csv"}):
        response = client.get("/api/v1/observations/", params)
        assert response.status_code == 400, params
