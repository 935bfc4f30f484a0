"""The releases API: the public reads those that are out, ILO staff every one; admins schedule, move and
withdraw; an approval joins an upcoming release or is refused with the reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from collection.models import Release, Review
from collection.publication.publish import observations_publish
from collection.publication.releases import release_create, release_withdraw
from tests import factories
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with, revise, revised, total

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    """Today noon UTC, the clock standing still: tomorrow 09:00 is the embargo's moment."""
    with time_machine.travel(TODAY, tick=False):
        yield


URL = "/api/v1/releases/"


def as_user(api, user):
    api.logout()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.fixture
def scheduled(admin_user, focal_point, reviewer, open_round) -> Release:
    """Thailand's first return public since today; its revision joins a release public tomorrow at 09:00."""
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    release = release_create(user=admin_user, title="Thailand: revision", note="Census weights.", public_at=TOMORROW_9)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=release)
    return release


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_the_public_lists_released_ones_only_and_staff_all(api, people, scheduled, admin_user):
    withdrawn = release_create(user=admin_user, title="Withdrawn", note="", public_at=TOMORROW_9)
    release_withdraw(user=admin_user, release=withdrawn)
    first = Release.objects.exclude(pk__in=[scheduled.pk, withdrawn.pk]).get()
    for name in ("anonymous", "fp_tha", "fp_mys"):
        assert ids(as_user(api, people[name]).get(URL)) == [first.pk], name
    for name in ("reviewer", "admin"):
        assert set(ids(as_user(api, people[name]).get(URL))) == {first.pk, scheduled.pk, withdrawn.pk}, name
    with time_machine.travel(TOMORROW_9, tick=False):
        assert ids(as_user(api, None).get(URL)) == [scheduled.pk, first.pk]  # the newest first


def test_a_release_shows_its_moment_state_and_what_it_changed(api, people, scheduled):
    staff = as_user(api, people["reviewer"]).get(f"{URL}{scheduled.pk}/").json()
    assert staff["state"] == "scheduled" and staff["public_at"].startswith("2026-12-02T09:00:00")
    assert staff["title"] == "Thailand: revision" and staff["note"] == "Census weights."
    assert staff["countries"] == ["THA"] and FORP in staff["tables"]
    assert staff["revised_count"] >= 1 and staff["observation_count"] > 0
    assert staff["submissions"] == [scheduled.publications.get().submission_id]
    for name in ("anonymous", "fp_tha", "fp_mys"):
        assert as_user(api, people[name]).get(f"{URL}{scheduled.pk}/").status_code == 404, name
    with time_machine.travel(TOMORROW_9, tick=False):
        public = as_user(api, None).get(f"{URL}{scheduled.pk}/").json()
    assert public["state"] == "released" and public["submissions"] is None
    assert public["revised_count"] == staff["revised_count"] and public["tables"] == staff["tables"]


def test_unknown_releases_are_404(api, people, catalogue):
    for name, user in people.items():
        for pk in ("999", "abc", "99999999999999999999"):
            assert as_user(api, user).get(f"{URL}{pk}/").status_code == 404, (name, pk)


@pytest.mark.parametrize("name", ["anonymous", "fp_tha", "fp_mys", "reviewer"])
def test_only_admins_schedule(api, people, name):
    response = as_user(api, people[name]).post(URL, {"title": "Mine", "public_at": "2026-12-02T09:00:00Z"})
    assert response.status_code in (401, 403) and "admins" in response.json()["detail"]
    assert not Release.objects.exists()


def test_an_admin_schedules_moves_and_withdraws(api, admin_user):
    as_user(api, admin_user)
    made = api.post(URL, {"title": "ASEAN 2026", "note": "All ten.", "public_at": "2026-12-02T09:00:00Z"})
    assert made.status_code == 201, made.content
    release = made.json()
    assert release["state"] == "scheduled" and release["observation_count"] == 0 and release["submissions"] == []
    moved = api.patch(f"{URL}{release['id']}/", {"public_at": "2026-12-03T09:00:00+07:00"}, format="json")
    assert moved.status_code == 200 and moved.json()["public_at"].startswith("2026-12-03T02:00:00")
    assert moved.json()["title"] == "ASEAN 2026"
    withdrawn = api.post(f"{URL}{release['id']}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    again = api.post(f"{URL}{release['id']}/withdraw/")
    assert again.status_code == 409 and "was withdrawn" in again.json()["detail"]
    assert api.put(f"{URL}{release['id']}/", {"title": "x"}).status_code == 405


@pytest.mark.parametrize("name", ["anonymous", "fp_tha", "fp_mys", "reviewer"])
def test_only_admins_move_or_withdraw(api, people, name, admin_user):
    release = release_create(user=admin_user, title="ASEAN 2026", note="", public_at=TOMORROW_9)
    client = as_user(api, people[name])
    patched = client.patch(f"{URL}{release.pk}/", {"title": "Mine"}, format="json")
    withdrawn = client.post(f"{URL}{release.pk}/withdraw/")
    # The public does not know an upcoming release over the API; a reviewer does and is refused.
    expected = 403 if name == "reviewer" else 404
    assert patched.status_code == expected and withdrawn.status_code == expected
    release.refresh_from_db()
    assert release.title == "ASEAN 2026" and release.withdrawn_at is None


def test_a_release_out_is_not_changed(api, admin_user, scheduled):
    as_user(api, admin_user)
    with time_machine.travel(TOMORROW_9, tick=False):
        response = api.patch(f"{URL}{scheduled.pk}/", {"title": "Renamed"}, format="json")
        assert response.status_code == 409 and "came out on 02 Dec 2026 09:00 UTC" in response.json()["detail"]
        assert api.post(f"{URL}{scheduled.pk}/withdraw/").status_code == 409


@pytest.mark.parametrize(
    "payload, words",
    [
        ({"title": "A", "public_at": "tomorrow at nine"}, "Datetime has wrong format"),
        ({"title": "A", "public_at": "2026-02-30T09:00:00Z"}, "Datetime has wrong format"),
        ({"title": "A", "public_at": "99999-01-01T09:00:00Z"}, "Datetime has wrong format"),
        ({"title": "A", "public_at": "2026-11-30T09:00:00Z"}, "in the past"),
        ({"title": "A"}, "required"),
        ({"title": "Tha\x00iland", "public_at": "2026-12-02T09:00:00Z"}, "Null characters"),
        ({"title": "x" * 100_000, "public_at": "2026-12-02T09:00:00Z"}, "no more than 200"),
        ({"title": "   ", "public_at": "2026-12-02T09:00:00Z"}, "blank"),
        ({"title": "A", "note": "\x00", "public_at": "2026-12-02T09:00:00Z"}, "Null characters"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(api, admin_user, payload, words):
    response = as_user(api, admin_user).post(URL, payload, format="json")
    assert response.status_code == 400 and words in response.content.decode(), response.content
    assert not Release.objects.exists()


def test_a_bad_change_is_a_400(api, admin_user):
    release = release_create(user=admin_user, title="ASEAN 2026", note="", public_at=TOMORROW_9)
    as_user(api, admin_user)
    for payload in ({}, {"public_at": "yesterday"}, {"public_at": "2026-12-01T11:00:00Z"}, {"title": ""}):
        response = api.patch(f"{URL}{release.pk}/", payload, format="json")
        assert response.status_code == 400, (payload, response.content)
    release.refresh_from_db()
    assert release.public_at == TOMORROW_9 and release.title == "ASEAN 2026"


def approve(api, reviewer, submission, **payload):
    return as_user(api, reviewer).post(f"/api/v1/submissions/{submission.pk}/approve/", payload, format="json")


def test_an_approval_joins_an_upcoming_release_end_to_end(api, client, admin_user, focal_point, reviewer, open_round):
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    release = release_create(user=admin_user, title="Thailand: revision", note="", public_at=TOMORROW_9)
    submission = factories.validated(focal_point, open_round, edited(content, revise))
    factories.submit(focal_point, submission)
    response = approve(api, reviewer, submission, release=release.pk, comment="Census weights checked.")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert Review.objects.get(submission=submission, decision="approve").release == release
    publication = observations_publish(submission_id=submission.pk)
    assert publication.release == release
    assert not revised(total(client))
    listed = as_user(api, None).get(URL).json()["results"]
    assert release.pk not in [r["id"] for r in listed]
    with time_machine.travel(TOMORROW_9, tick=False):
        assert revised(total(client))
        assert [r["id"] for r in as_user(api, None).get(URL).json()["results"]][0] == release.pk


def test_an_approval_into_a_release_out_withdrawn_or_unknown_is_refused(
    api, admin_user, focal_point, reviewer, open_round
):
    submission = factories.validated(focal_point, open_round)
    factories.submit(focal_point, submission)
    soon = release_create(user=admin_user, title="Soon out", note="", public_at=TODAY + dt.timedelta(hours=1))
    withdrawn = release_create(user=admin_user, title="Withdrawn one", note="", public_at=TOMORROW_9)
    release_withdraw(user=admin_user, release=withdrawn)
    with time_machine.travel(TODAY + dt.timedelta(hours=2), tick=False):
        past = approve(api, reviewer, submission, release=soon.pk)
    assert past.status_code == 400 and "came out on 01 Dec 2026 13:00" in past.json()["detail"]
    gone = approve(api, reviewer, submission, release=withdrawn.pk)
    assert gone.status_code == 400 and "was withdrawn" in gone.json()["detail"]
    unknown = approve(api, reviewer, submission, release=99999)
    assert unknown.status_code == 400 and "does not exist" in str(unknown.json()["release"])
    submission.refresh_from_db()
    assert submission.status == "submitted" and not submission.reviews.filter(decision="approve").exists()
