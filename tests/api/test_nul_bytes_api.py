"""A NUL character anywhere in an API request is a 400 that names where it is, and nothing is stored: in a JSON
body, a form field, a query parameter, the path or the token (on PostgreSQL each of these reached a lookup or an
INSERT and answered 500). An uploaded file's name only loses its NUL."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from collection.models import Release, Round, Submission
from tests import factories

ROUND = {
    "name": "ILMS 2031",
    "reference_years": [2030],
    "countries": ["THA"],
    "tables": ["MST_FORP_SEX_CBR_NB"],
    "deadline": "2031-01-31",
}


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "ILMS\x002031"),
        ("countries", ["THA", "MY\x00S"]),
        ("tables", ["MST\x00"]),
        ("deadline", "2031-01-31\x00"),
        ("status", "open\x00"),
    ],
)
def test_a_nul_in_a_json_field_is_a_400_at_that_field(api, admin_user, catalogue, field, value):
    api.force_authenticate(admin_user)
    response = api.post("/api/v1/rounds/", {**ROUND, field: value}, format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not Round.objects.filter(name__startswith="ILMS").exclude(name="ILMS test round").exists()


def test_a_release_moment_with_a_trailing_nul_is_a_400(api, admin_user, catalogue):
    api.force_authenticate(admin_user)
    response = api.post("/api/v1/releases/", {"title": "A", "public_at": "2031-01-01T09:00:00Z\x00"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"public_at": ["Null characters are not allowed."]}
    assert not Release.objects.exists()


@pytest.mark.parametrize(
    "action, body",
    [
        ("return", {"comment": "Check\x00 the totals"}),
        ("approve", {"comment": "\x00"}),
        ("explanations", {"rule": "\x00", "text": "Checked."}),
        ("sources", {"indicator": "MST_FORP_SEX_CBR_NB\x00", "source_type": "LFS"}),
    ],
)
def test_a_nul_in_a_decision_or_a_note_is_a_400(api, reviewer, focal_point, tha_submitted, action, body):
    api.force_authenticate(reviewer if action in ("return", "approve") else focal_point)
    response = api.post(f"/api/v1/submissions/{tha_submitted.pk}/{action}/", body, format="json")
    assert response.status_code == 400, response.content
    tha_submitted.refresh_from_db()
    assert tha_submitted.status == Submission.Status.SUBMITTED


def test_a_nul_in_an_upload_field_is_a_400_and_in_its_name_is_dropped(api, focal_point, open_round):
    api.force_authenticate(focal_point)
    upload = {"round": open_round.pk, "country": "TH\x00A", "file": factories.named_file("t.csv", b"x")}
    assert api.post("/api/v1/submissions/", upload, format="multipart").status_code == 400
    assert not Submission.objects.exists()
    named = {"round": open_round.pk, "country": "THA", "file": factories.named_file("t\x00.csv", b"x")}
    response = api.post("/api/v1/submissions/", named, format="multipart")
    assert response.status_code == 201
    assert response.json()["original_filename"] == "t.csv"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/submissions/?country=%00",
        "/api/v1/submissions/?status=valid%00",
        "/api/v1/observations/?as_of=2024%00",
        "/api/v1/observations/?indicator=MST%00&format=csv",
        "/api/v1/observations/?ref_area=THA,%00",
        "/api/v1/rounds/?page=1%00",
        "/api/v1/tables/MST%00/",
        "/api/v1/rounds/1%00/workbook/?country=THA",
    ],
)
def test_a_nul_in_the_query_or_the_path_is_a_400(api, admin_user, catalogue, url):
    api.force_authenticate(admin_user)
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL character" in response.json()["detail"]


def test_a_nul_in_the_token_is_a_400_not_a_lookup(api, focal_point):
    key = Token.objects.create(user=focal_point).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key[:-1]}\x00")
    assert api.get("/api/v1/submissions/").status_code == 400


def test_a_release_id_that_only_looks_like_digits_is_a_400(api, catalogue):
    response = api.get("/api/v1/observations/", {"as_of_release": "²"})
    assert response.status_code == 400 and "as_of_release" in response.json()["detail"]


def test_a_round_id_that_is_no_number_is_a_404_for_the_workbook(api, focal_point, open_round):
    api.force_authenticate(focal_point)
    assert api.get("/api/v1/rounds/x1/workbook/", {"country": "THA"}).status_code == 404
