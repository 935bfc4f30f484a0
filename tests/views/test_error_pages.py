"""The portal's own 404 and 500 pages (also under DEBUG, as `make run` sets it) and its favicon."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests import factories

DEBUG_PAGE = "<code>DEBUG = True</code>"  # what Django's technical 404 page says


@pytest.fixture(params=[True, False], ids=["DEBUG", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_unknown_address_answers_the_styled_404(client, catalogue, debug):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="error-title">Page not found</h1>' in page and 'class="topbar"' in page
    assert "<code>/no-such-page/</code>" in page and DEBUG_PAGE not in page


def test_another_countrys_submission_answers_the_styled_404_without_naming_the_model(as_role, tha_valid, debug):
    response = as_role("fp_mys").get(f"/submissions/{tha_valid.pk}/")
    page = response.content.decode()
    assert response.status_code == 404 and "Page not found" in page
    assert "matches the given query" not in page and "Submission" not in page.split("<main")[1]
    assert DEBUG_PAGE not in page


def test_a_404_written_for_people_says_its_sentence(as_role, focal_point, open_round, debug):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())  # not checked yet
    page = as_role("fp_tha").get(f"/submissions/{submission.pk}/annotated/").content.decode()
    assert "<p>The file is still being checked.</p>" in page


def test_a_missing_slash_is_still_added_under_debug(client, catalogue, settings):
    settings.DEBUG = True
    response = client.get("/submissions")
    assert response.status_code == 301 and response["Location"] == "/submissions/"


def test_the_api_keeps_answering_404_in_json_under_debug(api, catalogue, settings, focal_point):
    settings.DEBUG = True
    api.force_authenticate(focal_point)
    response = api.get("/api/v1/submissions/999999/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_a_server_error_answers_the_styled_500(catalogue):
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and 'class="topbar"' in page
    assert "Nothing you uploaded is lost" in page


def test_the_favicon_is_served_and_linked(client, catalogue):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/collection/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
    home = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/collection/favicon.svg" type="image/svg+xml">' in home
