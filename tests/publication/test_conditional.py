"""Conditional GET on the public reads: a repeat answers 304 until a release comes out, and nothing a signed-in
reader is shown (embargoed values above all) carries a validator a shared cache could serve to the public."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils.http import http_date
from rest_framework.authtoken.models import Token

from collection.models import Release
from tests import factories
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import KEY, TODAY, TOMORROW_9, publish_with, revise, revised

OBSERVATIONS = "/api/v1/observations/"
QUERY = {k: KEY[k] for k in ("indicator", "ref_area", "sex", "classif1", "time")}
PUBLIC_READS = [
    (OBSERVATIONS, QUERY),
    (OBSERVATIONS, {"format": "csv", "indicator": FORP, "ref_area": "THA"}),
    ("/data/", {}),
    (f"/data/{FORP}/", {}),
    (f"/data/{FORP}/THA/", {}),
    (f"/sdmx/data/ILO,DF_{FORP},1.0/THA....", {"format": "sdmx-csv"}),
    (f"/sdmx/data/ILO,DF_{FORP},1.0/all", {}),
    ("/countries/THA/", {}),
    ("/countries/asean/", {}),
    ("/downloads/", {}),
    (f"/downloads/{FORP}.csv.gz", {}),
    ("/explore/", {"indicator": FORP, "ref_area": "THA"}),
    ("/explore/download/csv/", {"indicator": FORP, "ref_area": "THA"}),
]


def read(response):
    """The answer read to its end, as a client reads it: a stream left open would hold its database cursor."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def total_of(response) -> dict:
    [row] = [r for r in response.json()["results"] if r["classif2"] == ""]
    return row


@pytest.fixture
def published(focal_point, reviewer, open_round):
    """Thailand's sample file, published under a frozen clock: its release is public since TODAY."""
    with time_machine.travel(TODAY, tick=False):
        return publish_with(focal_point, reviewer, open_round, factories.sample_csv())


@pytest.fixture
def embargoed(published, focal_point, reviewer, open_round):
    """A revision of the foreign-born total in a release scheduled for tomorrow 09:00."""
    with time_machine.travel(TODAY, tick=False):
        scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
        publish_with(focal_point, reviewer, open_round, edited(factories.sample_csv(), revise), release=scheduled)
    return scheduled


@pytest.mark.parametrize(("path", "params"), PUBLIC_READS)
@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_a_repeated_public_read_answers_304(client, published, path, params):
    first = read(client.get(path, params))
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert modified == http_date(TODAY.timestamp())  # the moment the data last changed: its release
    assert {"Cookie", "Authorization"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    assert "public" in first.headers["Cache-Control"]

    again = read(client.get(path, params, HTTP_IF_NONE_MATCH=etag))
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and again.headers["Last-Modified"] == modified
    assert read(client.get(path, params, HTTP_IF_MODIFIED_SINCE=modified)).status_code == 304
    # Another query is another answer.
    assert read(client.get(path, {**params, "time_from": "2020"}, HTTP_IF_NONE_MATCH=etag)).status_code == 200


def test_a_scheduled_release_coming_out_changes_the_etag(client, embargoed):
    with time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False):
        before = client.get(OBSERVATIONS, QUERY)
        assert not revised(total_of(before))
        etag = before.headers["ETag"]
    with time_machine.travel(TOMORROW_9 - dt.timedelta(seconds=1), tick=False):
        assert client.get(OBSERVATIONS, QUERY, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with time_machine.travel(TOMORROW_9, tick=False):
        after = client.get(OBSERVATIONS, QUERY, HTTP_IF_NONE_MATCH=etag)
        assert after.status_code == 200 and revised(total_of(after))
        assert after.headers["ETag"] != etag
        assert after.headers["Last-Modified"] == http_date(TOMORROW_9.timestamp())
        stale = before.headers["Last-Modified"]
        assert client.get(OBSERVATIONS, QUERY, HTTP_IF_MODIFIED_SINCE=stale).status_code == 200


@pytest.mark.parametrize("role", ["fp_tha", "fp_mys", "reviewer", "admin"])
@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_no_validator_is_shared_between_the_public_and_a_signed_in_reader(client, people, embargoed, role):
    public = client.get(OBSERVATIONS, QUERY)
    assert not revised(total_of(public))
    client.force_login(people[role])
    seen = client.get(OBSERVATIONS, QUERY, HTTP_IF_NONE_MATCH=public.headers["ETag"])
    # Never a 304 on the public copy: an insider reads the embargoed revision, marked, and nothing to keep.
    assert seen.status_code == 200
    assert revised(total_of(seen)) is (role in ("fp_tha", "reviewer", "admin"))
    assert "ETag" not in seen.headers and "Last-Modified" not in seen.headers
    assert "private" in seen.headers["Cache-Control"]
    page = client.get(f"/data/{FORP}/THA/", HTTP_IF_NONE_MATCH=public.headers["ETag"])
    assert page.status_code == 200 and "ETag" not in page.headers


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_a_token_reader_gets_no_validator(api, embargoed, reviewer):
    token = Token.objects.create(user=reviewer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    seen = api.get(OBSERVATIONS, QUERY)
    assert seen.status_code == 200 and revised(total_of(seen)) and "ETag" not in seen.headers


def test_a_read_as_of_the_past_is_kept_long_and_names_that_moment(client, embargoed, published):
    with time_machine.travel(TOMORROW_9 + dt.timedelta(days=30), tick=False):
        past = client.get(OBSERVATIONS, {**QUERY, "as_of": "2026-12-01T18:00:00Z"})
        assert past.status_code == 200 and not revised(total_of(past))
        assert past.headers["Last-Modified"] == http_date(TODAY.timestamp())
        assert "max-age=86400" in past.headers["Cache-Control"]
        now = client.get(OBSERVATIONS, QUERY)
        assert now.headers["ETag"] != past.headers["ETag"] and "no-cache" in now.headers["Cache-Control"]
        assert now.headers["Last-Modified"] == http_date(TOMORROW_9.timestamp())


def test_a_bad_vintage_is_still_explained_not_cached(client, published):
    response = client.get(OBSERVATIONS, {"as_of": "last tuesday"})
    assert response.status_code == 400 and "ISO 8601" in response.json()["detail"]
    assert "ETag" not in response.headers


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_a_page_of_values_costs_the_same_few_queries_whatever_its_length(
    client, embargoed, django_assert_max_num_queries
):
    """No query per row: the validators' state, the vintage, the page, its count and what each value replaced."""
    for size in (10, 500):
        with django_assert_max_num_queries(10):
            response = client.get(OBSERVATIONS, {"indicator": FORP, "page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == min(size, response.json()["count"])
    assert response.json()["count"] > 100
