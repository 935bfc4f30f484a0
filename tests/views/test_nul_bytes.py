"""A NUL character in any field a page reads, form or filter, is refused with a sentence, never a 500: every
form of the portal and every filter of its lists, as the person who may use it (PostgreSQL refuses a NUL in
any text it is asked to store or compare, so on PostgreSQL each of these reached the database before)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from collection.models import Release, Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories

NUL = "a\x00b"
MYS = "MST_FORP_SEX_CBR_NB"


@pytest.fixture
def site(focal_point, reviewer, admin_user, open_round) -> dict:
    """A published submission and a submitted one of Thailand's, a scheduled release: every page has its object."""
    published = factories.submit(focal_point, factories.validated(focal_point, open_round))
    submission_approve(user=reviewer, submission=published)
    observations_publish(submission_id=published.pk)
    submitted = factories.submit(focal_point, factories.validated(focal_point, open_round))
    release = Release.objects.create(
        title="Later", public_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), scheduled=True, created_by=admin_user
    )
    return {"round": open_round, "published": published, "submitted": submitted, "release": release}


def _client(user) -> Client:
    client = Client(raise_request_exception=False)  # a 500 is an answer to assert on, not an error of the test
    client.force_login(user)
    return client


# (who, page, the fields it reads with a plausible value each): each field in turn gets a NUL.
FORMS = [
    (
        "admin",
        "/rounds/new/",
        {
            "name": "ILMS 2031",
            "reference_years": "2030",
            "opens_on": "",
            "deadline": "2031-01-31",
            "reminder_days": "7",
            "countries": "THA",
            "tables": MYS,
        },
    ),
    ("admin", "/rounds/{round}/action/extend/", {"deadline": "2031-01-31", "country": "THA"}),
    ("admin", "/rounds/{round}/action/reopen_country/", {"country": "THA", "deadline": ""}),
    ("admin", "/releases/new/", {"title": "A release", "public_at": "2031-01-01T09:00", "note": "n"}),
    ("admin", "/releases/{release}/edit/", {"title": "A release", "public_at": "2031-01-01T09:00", "note": "n"}),
    (
        "admin",
        "/people/invite/",
        {"email": "new@example.org", "name": "New", "role": "focal_point", "countries": "THA"},
    ),
    ("admin", "/people/{fp}/", {"role": "focal_point", "countries": "THA"}),
    ("focal_point", "/submissions/new/", {"round": "{round}", "country": "THA"}),
    (
        "focal_point",
        "/submissions/{submitted}/explain/",
        {"text": "t", "rule": "r", "indicator": MYS, "back": "page=1"},
    ),
    ("focal_point", "/submissions/{submitted}/comment/", {"indicator": MYS, "text": "t"}),
    ("focal_point", "/submissions/{submitted}/sources/" + MYS + "/", {"source_type": "LFS", "name": "Survey"}),
    ("focal_point", "/rounds/{round}/THA/tables/" + MYS + "/", {"source": "s", "v:x": "1"}),
    ("focal_point", "/account/notifications/", {"round_opened": "on", "reminder_before": "on"}),
    ("reviewer", "/submissions/{submitted}/approve/", {"comment": "c", "release": "{release}", "back": "x"}),
    ("reviewer", "/submissions/{submitted}/return/", {"comment": "c", "next": "/review/"}),
    ("reviewer", "/review/{submitted}/comments/", {"indicator": MYS, "text": "t"}),
]

# Read as a tick (any text), as where to go back to, or as a cell the table does not have: no harm, no message.
IGNORED = {"round_opened", "reminder_before", "next", "back", "v:x"}

# (who, page, its filters)
FILTERS = [
    ("admin", "/data/", ["q"]),
    ("admin", "/data/" + MYS + "/", ["time", "sex"]),
    ("admin", "/explore/", ["indicator", "region", "ref_area", "sex", "time_from", "as_of"]),
    ("admin", "/releases/", ["page"]),
    ("admin", "/audit/", ["actor", "action", "country", "since", "until", "q", "page"]),
    ("admin", "/audit/export/csv/", ["actor", "since"]),
    ("admin", "/people/", ["role", "country"]),
    ("admin", "/submissions/", ["status", "page"]),
    ("admin", "/rounds/new/", ["copy"]),
    ("admin", "/rounds/{round}/dashboard/", ["country", "status", "table"]),
    ("admin", "/downloads/", ["as_of", "as_of_release"]),
    ("admin", "/countries/asean/", ["year"]),
    ("admin", "/regions/ASEAN/", ["year"]),
    ("focal_point", "/submissions/new/", ["round", "country"]),
    ("focal_point", "/submissions/{published}/", ["severity", "rule", "indicator", "page"]),
    ("reviewer", "/review/{submitted}/", ["table", "sort", "series", "flagged", "page"]),
]

PATHS = [
    "/data/{nul}/",
    "/data/" + MYS + "/{nul}/",
    "/countries/{nul}/",
    "/regions/{nul}/",
    "/rounds/{round}/{nul}/",
    "/downloads/{nul}",
    "/downloads/ILMS_{nul}.csv.gz",
]


def _url(template: str, site: dict, people: dict) -> str:
    ids = {
        "round": site["round"].pk,
        "release": site["release"].pk,
        "submitted": site["submitted"].pk,
        "published": site["published"].pk,
        "fp": people["fp_tha"].pk,
        "nul": "a%00b",
    }
    return template.format(**ids)


@pytest.mark.parametrize("role, page, fields", FORMS, ids=[f"{r}:{p}" for r, p, _ in FORMS])
def test_a_nul_in_any_form_field_is_refused_with_a_sentence(site, people, role, page, fields):
    client = _client(people["fp_tha" if role == "focal_point" else role])
    url = _url(page, site, people)
    plausible = {k: _url(v, site, people) for k, v in fields.items()}
    for name in fields:
        for value in (NUL, plausible[name] + "\x00"):  # a NUL alone, and after a value that is right otherwise
            data = plausible | {name: value}
            if page == "/submissions/new/":
                data["file"] = SimpleUploadedFile("data.csv", factories.sample_csv())
            response = client.post(url, data, follow=True)
            assert response.status_code in (200, 400), f"{name}={value!r}: {response.status_code}"
            if name in IGNORED:
                continue
            text = response.content.decode()
            said = any(mark in text for mark in ('class="errorlist', "msg error", "NUL character"))
            assert said, f"{name}={value!r}: nothing says what was wrong"


def test_a_nul_in_an_uploaded_files_name_is_dropped_from_the_name(site, people):
    client = _client(people["fp_tha"])
    before = Submission.objects.count()
    upload = SimpleUploadedFile("da\x00ta.csv", factories.sample_csv())
    response = client.post("/submissions/new/", {"round": site["round"].pk, "country": "THA", "file": upload})
    assert response.status_code == 302
    assert Submission.objects.count() == before + 1
    assert Submission.objects.latest("pk").original_filename == "data.csv"


@pytest.mark.parametrize("role, page, names", FILTERS, ids=[f"{r}:{p}" for r, p, _ in FILTERS])
def test_a_nul_in_any_filter_is_a_400_with_a_sentence(site, people, role, page, names):
    client = _client(people["fp_tha" if role == "focal_point" else role])
    url = _url(page, site, people)
    for name in names:
        for value in (NUL, "2024\x00"):
            response = client.get(url, {name: value})
            assert response.status_code == 400, f"{name}={value!r}: {response.status_code}"
            assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("page", PATHS)
def test_a_nul_in_the_address_is_a_400(site, people, page):
    response = _client(people["admin"]).get(_url(page, site, people))
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_the_session_cookie_is_a_400_not_a_lookup(db):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/data/").status_code == 400


def test_a_nul_in_an_sdmx_query_is_an_sdmx_error_message(client, db):
    response = Client(raise_request_exception=False).get("/sdmx/data/ILO,DF_MST%00,1.0/THA")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/xml")
    assert b"NUL character" in response.content and b"Error" in response.content
