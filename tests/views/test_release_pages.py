"""The release calendar, a release's page, the Atom feed and the admins' release forms: an embargoed release
shows nothing of its values to the public until its moment, and every role gets the page it may have."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.contrib.messages import get_messages

from collection.models import Release, Review
from collection.publication.publish import observations_publish
from collection.publication.releases import release_create, release_withdraw
from collection.review.decisions import submission_approve
from tests import factories
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with, revise

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
INSIDERS = {"fp_tha", "reviewer", "admin"}  # they see Thailand's embargoed values, marked
TITLE = "Census-weighted revision"
ATOM = "{http://www.w3.org/2005/Atom}"
DATA_PAGE = f"/data/{FORP}/THA/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scheduled(admin_user, focal_point, reviewer, open_round) -> Release:
    """Thailand's first return is public since today; its revision joins a release public tomorrow 09:00."""
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    release = release_create(user=admin_user, title=TITLE, note="Weights of the 2024 census.", public_at=TOMORROW_9)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=release)
    return release


def page(as_role, role: str, url: str) -> str:
    response = as_role(role).get(url)
    assert response.status_code == 200, (role, url, response.status_code)
    return response.content.decode()


def upcoming_part(html: str) -> str:
    return html.split('id="upcoming-h"')[1].split('id="past-h"')[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_announces_an_upcoming_release_and_shows_its_contents_only_to_staff(as_role, scheduled, role):
    upcoming = upcoming_part(page(as_role, role, "/releases/"))
    assert TITLE in upcoming and "Weights of the 2024 census." in upcoming
    assert "2 Dec 2026" in upcoming and "09:00 UTC" in upcoming
    staff = role in {"reviewer", "admin"}
    assert ("Thailand" in upcoming) is staff and ("embargoed until 2 Dec 2026 09:00 UTC" in upcoming) is staff
    assert ("revised" in upcoming) is staff


@pytest.mark.parametrize("role", ROLES)
def test_once_out_the_calendar_lists_what_the_release_changed(as_role, scheduled, role):
    with time_machine.travel(TOMORROW_9, tick=False):
        html = page(as_role, role, "/releases/")
    assert "No release is scheduled" in upcoming_part(html)
    past = html.split('id="past-h"')[1]
    assert past.index(TITLE) < past.index("Thailand: ILMS test round")  # the newest first
    item = past.split(TITLE)[1].split("</li>")[0]
    revised = scheduled.publications.get().revised_count
    assert f"<strong>{revised}</strong> revised" in item and "Thailand" in item and "embargoed" not in item


@pytest.mark.parametrize("role", ROLES)
def test_the_release_page_links_to_its_tables_only_for_those_who_may_see_them(as_role, scheduled, role):
    html = page(as_role, role, f"/releases/{scheduled.pk}/")
    assert TITLE in html and "Wednesday 2 December 2026, 09:00 UTC" in html
    assert (f'href="{DATA_PAGE}"' in html) is (role in INSIDERS)
    assert ("embargoed until 2 Dec 2026 09:00 UTC" in html) is (role in INSIDERS)
    assert ("Submissions in it" in html) is (role in {"reviewer", "admin"})
    with time_machine.travel(TOMORROW_9, tick=False):
        html = page(as_role, role, f"/releases/{scheduled.pk}/")
    assert f'href="{DATA_PAGE}"' in html and "embargoed" not in html and "Public since" in html


@pytest.mark.parametrize("role", ROLES)
def test_data_pages_hide_an_embargoed_revision_from_the_public_and_mark_it_for_insiders(as_role, scheduled, role):
    before = page(as_role, role, DATA_PAGE)
    assert ("embargoed until 2 Dec 2026 09:00" in before) is (role in INSIDERS)
    flagged_before = before.count("<sup>(B)</sup>")
    with time_machine.travel(TOMORROW_9, tick=False):
        after = page(as_role, role, DATA_PAGE)
    assert "embargoed" not in after
    # The revision flags the foreign-born total of 2024 B: the public sees the flag from the moment on.
    assert after.count("<sup>(B)</sup>") == flagged_before + (0 if role in INSIDERS else 1)


def feed_titles(client) -> list[str]:
    response = client.get("/releases/feed/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    return [e.findtext(f"{ATOM}title") for e in ET.fromstring(response.content).iter(f"{ATOM}entry")]


def test_the_feed_carries_released_ones_only_newest_first(client, admin_user, scheduled):
    withdrawn = release_create(user=admin_user, title="Withdrawn one", note="", public_at=TOMORROW_9)
    release_withdraw(user=admin_user, release=withdrawn)
    client.force_login(admin_user)  # staff read the same feed as the public
    assert feed_titles(client) == ["Thailand: ILMS test round"]
    with time_machine.travel(TOMORROW_9 - dt.timedelta(seconds=1), tick=False):
        assert TITLE not in feed_titles(client)
    with time_machine.travel(TOMORROW_9, tick=False):
        assert feed_titles(client) == [TITLE, "Thailand: ILMS test round"]
        entry = client.get("/releases/feed/").content.decode()
        assert f"/releases/{scheduled.pk}/" in entry and "2026-12-02T09:00:00" in entry
    with time_machine.travel(TOMORROW_9 + dt.timedelta(days=60), tick=False):
        assert "Withdrawn one" not in feed_titles(client)


@pytest.mark.parametrize("role", ROLES)
def test_release_pages_are_public_and_unknown_ones_404(as_role, scheduled, role, admin_user):
    withdrawn = release_create(user=admin_user, title="Withdrawn one", note="", public_at=TOMORROW_9)
    release_withdraw(user=admin_user, release=withdrawn)
    html = page(as_role, role, f"/releases/{withdrawn.pk}/")
    assert "withdrawn: never public" in html and "Withdrawn one" in html
    assert "withdrawn: never public" in page(as_role, role, "/releases/")
    assert as_role(role).get("/releases/99999/").status_code == 404
    assert as_role(role).get("/releases/99999999999999999999/").status_code == 404
    assert as_role(role).get("/releases/?page=abc").status_code == 200
    assert 'href="/releases/"' in page(as_role, role, "/data/")  # the nav link


ADMIN_PAGES = ["/releases/new/", "/releases/{pk}/edit/"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_only_admins_open_the_release_forms(as_role, scheduled, role, url):
    url = url.format(pk=scheduled.pk)
    response = as_role(role).get(url)
    expected = {"anonymous": 302, "admin": 200}.get(role, 404)
    assert response.status_code == expected, role
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ["anonymous", "fp_tha", "fp_mys", "reviewer"])
def test_only_admins_schedule_move_or_withdraw_from_the_pages(as_role, scheduled, role):
    client = as_role(role)
    client.post("/releases/new/", {"title": "Mine", "public_at": "2026-12-05T09:00"})
    client.post(f"/releases/{scheduled.pk}/edit/", {"title": "Mine", "public_at": "2026-12-05T09:00"})
    client.post(f"/releases/{scheduled.pk}/withdraw/")
    scheduled.refresh_from_db()
    assert scheduled.title == TITLE and scheduled.withdrawn_at is None and Release.objects.count() == 2


def test_an_admin_schedules_a_release_with_the_form(client, admin_user):
    client.force_login(admin_user)
    form = client.get("/releases/new/").content.decode()
    assert 'type="datetime-local"' in form and "(UTC)" in form
    response = client.post(
        "/releases/new/", {"title": "ASEAN 2026", "note": "All ten.", "public_at": "2026-12-02T09:00"}
    )
    release = Release.objects.get(title="ASEAN 2026")
    assert response.status_code == 302 and response["Location"] == f"/releases/{release.pk}/"
    assert release.public_at == TOMORROW_9 and release.scheduled
    assert "scheduled for 02 Dec 2026 09:00 UTC" in messages_of(response)[0]


@pytest.mark.parametrize(
    "data, words",
    [
        ({"title": "A", "public_at": "2026-11-30T09:00"}, "is in the past"),
        ({"title": "A", "public_at": "2026-02-30T09:00"}, "Enter a valid date/time"),
        ({"title": "A", "public_at": "99999-01-01T09:00"}, "Enter a valid date/time"),
        ({"title": "A", "public_at": ""}, "This field is required"),
        ({"title": "Tha\x00iland", "public_at": "2026-12-02T09:00"}, "Null characters are not allowed"),
        ({"title": "x" * 100_000, "public_at": "2026-12-02T09:00"}, "at most 200 characters"),
        ({"title": "A", "note": "n" * 6000, "public_at": "2026-12-02T09:00"}, "at most 5000 characters"),
    ],
)
def test_bad_input_on_the_form_is_explained_and_kept(client, admin_user, data, words):
    client.force_login(admin_user)
    response = client.post("/releases/new/", data)
    assert response.status_code == 200 and words in response.content.decode()
    assert not Release.objects.exists()


def test_an_admin_moves_a_release_and_not_once_it_is_out(client, admin_user, scheduled):
    client.force_login(admin_user)
    edit = client.get(f"/releases/{scheduled.pk}/edit/").content.decode()
    assert 'value="2026-12-02T09:00"' in edit and TITLE in edit
    later = {"title": TITLE, "note": "", "public_at": "2026-12-09T09:00"}
    assert client.post(f"/releases/{scheduled.pk}/edit/", later).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.public_at == TOMORROW_9 + dt.timedelta(days=7) and scheduled.note == ""
    with time_machine.travel(scheduled.public_at, tick=False):
        response = client.get(f"/releases/{scheduled.pk}/edit/")
        assert response.status_code == 302 and "can no longer change" in messages_of(response)[-1]
        client.post(f"/releases/{scheduled.pk}/edit/", {**later, "title": "Renamed"})
        response = client.post(f"/releases/{scheduled.pk}/withdraw/")
        assert "came out on 09 Dec 2026 09:00 UTC" in messages_of(response)[-1]
    scheduled.refresh_from_db()
    assert scheduled.title == TITLE and scheduled.withdrawn_at is None


def test_an_admin_withdraws_a_release_after_confirming(client, admin_user, scheduled):
    client.force_login(admin_user)
    html = client.get(f"/releases/{scheduled.pk}/").content.decode()
    assert "Yes, withdraw the release" in html and "its 1 approved submission stay" in html
    assert client.get(f"/releases/{scheduled.pk}/withdraw/").status_code == 405
    response = client.post(f"/releases/{scheduled.pk}/withdraw/")
    assert response.status_code == 302 and "nothing in it becomes public" in messages_of(response)[0]
    scheduled.refresh_from_db()
    assert scheduled.withdrawn_at == TODAY
    assert "Yes, withdraw" not in client.get(f"/releases/{scheduled.pk}/").content.decode()


@pytest.fixture
def waiting(focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    return factories.submit(focal_point, submission)


def test_the_reviewer_chooses_a_release_in_the_workspace_and_the_confirmation_says_so(
    client, reviewer, admin_user, waiting
):
    release = release_create(user=admin_user, title="ASEAN 2026", note="", public_at=TOMORROW_9)
    client.force_login(reviewer)
    html = client.get(f"/review/{waiting.pk}/").content.decode()
    assert '<option value="" selected>Public once published (no embargo)</option>' in html
    assert f'<option value="{release.pk}">ASEAN 2026 — public 2 Dec 2026 09:00 UTC</option>' in html
    response = client.post(
        f"/submissions/{waiting.pk}/approve/", {"comment": "", "release": release.pk, "next": f"/review/{waiting.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/review/{waiting.pk}/"
    assert "join release “ASEAN 2026” and become public on 02 Dec 2026 09:00 UTC" in messages_of(response)[0]
    assert Review.objects.get(submission=waiting, decision="approve").release == release


def test_the_default_is_public_once_published(client, reviewer, waiting):
    client.force_login(reviewer)
    response = client.post(f"/submissions/{waiting.pk}/approve/", {"comment": "", "release": ""})
    assert "public as soon as the worker has published them" in messages_of(response)[0]
    assert Review.objects.get(submission=waiting, decision="approve").release is None


@pytest.mark.parametrize("choice", ["abc", "99999", "\x00", "9" * 40, "past", "withdrawn"])
def test_a_release_that_cannot_be_joined_is_refused_with_the_reason(client, reviewer, admin_user, waiting, choice):
    soon = release_create(user=admin_user, title="Soon out", note="", public_at=TODAY + dt.timedelta(hours=1))
    gone = release_create(user=admin_user, title="Gone", note="", public_at=TOMORROW_9)
    release_withdraw(user=admin_user, release=gone)
    value = {"past": soon.pk, "withdrawn": gone.pk}.get(choice, choice)
    client.force_login(reviewer)
    with time_machine.travel(TODAY + dt.timedelta(hours=2), tick=False):
        response = client.post(f"/submissions/{waiting.pk}/approve/", {"comment": "", "release": value})
    expected = {"past": "came out on 01 Dec 2026 13:00", "withdrawn": "was withdrawn"}.get(choice, "No such release")
    assert response.status_code == 302 and expected in messages_of(response)[0]
    waiting.refresh_from_db()
    assert waiting.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_a_country_new_in_an_embargoed_release_is_not_listed_before_its_moment(
    as_role, role, admin_user, other_focal_point, reviewer, open_round
):
    release = release_create(user=admin_user, title="Malaysia: first return", note="", public_at=TOMORROW_9)
    submission = factories.validated(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")
    factories.submit(other_focal_point, submission)
    submission_approve(user=reviewer, submission=submission, release=release)
    observations_publish(submission_id=submission.pk)
    insiders = {"fp_mys", "reviewer", "admin"}
    table = as_role(role).get(f"/data/{FORP}/MYS/").content.decode()
    assert ("embargoed until" in table) is (role in insiders)
    assert ("has not published this table yet" in table) is (role not in insiders)
    with time_machine.travel(TOMORROW_9, tick=False):
        assert 'href="/data/MST_FORP_SEX_CBR_NB/MYS/"' in page(as_role, role, f"/data/{FORP}/")
        assert "embargoed" not in page(as_role, role, f"/data/{FORP}/MYS/")
    assert 'href="/data/MST_FORP_SEX_CBR_NB/MYS/"' not in page(as_role, role, f"/data/{FORP}/")
