"""The API as a client uses it: upload, rounds, the report, observations with filters, pages and CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from rest_framework.authtoken.models import Token

from collection.models import Round, Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_submit
from tests import factories


def test_upload_answers_201_with_id_and_status(api, focal_point, open_round):
    token = Token.objects.create(user=focal_point)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        "/api/v1/submissions/",
        {"round": open_round.pk, "country": "THA", "file": factories.named_file("t.csv", factories.sample_csv())},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received" and body["country"] == "THA" and body["round"] == open_round.pk
    assert Submission.objects.get(pk=body["id"]).uploaded_by == focal_point


def test_upload_to_a_closed_round_is_refused_with_a_message(api, focal_point, catalogue):
    round_ = factories.make_round(status=Round.Status.CLOSED)
    api.force_authenticate(focal_point)
    response = api.post(
        "/api/v1/submissions/",
        {"round": round_.pk, "country": "THA", "file": factories.named_file("t.csv", b"x")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "closed" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_upload_without_a_file_is_a_400(api, focal_point, open_round):
    api.force_authenticate(focal_point)
    response = api.post("/api/v1/submissions/", {"round": open_round.pk, "country": "THA"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_admin_creates_a_round(api, admin_user, catalogue):
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/rounds/",
        {
            "name": "ILMS 2027",
            "reference_years": [2026, 2025],
            "countries": ["THA", "VNM"],
            "tables": ["MST_FORP_SEX_CBR_NB"],
            "deadline": "2028-01-31",
            "status": "open",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    round_ = Round.objects.get(name="ILMS 2027")
    assert round_.reference_years == [2025, 2026]
    assert sorted(round_.countries.values_list("iso3", flat=True)) == ["THA", "VNM"]
    assert response.json()["tables"] == ["MST_FORP_SEX_CBR_NB"]


def test_round_names_are_unique(api, admin_user, open_round):
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/rounds/",
        {
            "name": open_round.name,
            "reference_years": [2025],
            "countries": ["THA"],
            "tables": ["MST_FORP_SEX_CBR_NB"],
            "deadline": "2028-01-31",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "name" in response.json()


def test_tables_list_their_code_lists(api, catalogue):
    body = api.get("/api/v1/tables/MST_TEMP_SEX_ECO_CBR_NB/").json()
    dims = {d["column"]: d for d in body["dimensions"]}
    assert set(dims) == {"sex", "classif1", "classif2"}
    assert dims["classif1"]["codelist"] == "ECO_ISIC4"
    codes = [c["code"] for c in dims["classif1"]["codes"]]
    assert codes[0] == "ECO_ISIC4_TOTAL" and "ECO_ISIC4_U" in codes and "ECO_ISIC4_X" in codes
    assert len(api.get("/api/v1/tables/").json()) == 16


def test_issues_list_row_column_and_rule(api, focal_point, open_round):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1)
    submission = factories.validated(focal_point, open_round, bad)
    api.force_authenticate(focal_point)
    body = api.get(f"/api/v1/submissions/{submission.pk}/issues/", {"rule": "code.invalid"}).json()
    assert body["count"] == 1
    [found] = body["results"]
    assert found["column"] == "sex" and found["severity"] == "error" and found["row"] > 1
    assert "SEX_Z" in found["message"]


def test_sources_are_described_per_indicator(api, focal_point, open_round):
    submission = factories.validated(focal_point, open_round, described=False)
    api.force_authenticate(focal_point)
    payload = {
        "indicator": "MST_FORP_SEX_CBR_NB",
        "source_type": "BA",
        "name": "Labour Force Survey 2025",
        "agency": "National Statistical Office",
        "reference_period": "2025 annual average",
        "coverage": "Whole country, 15+",
        "migrant_definition": "place_of_birth",
        "notes": "",
    }
    response = api.post(f"/api/v1/submissions/{submission.pk}/sources/", payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == [payload]
    payload["name"] = "LFS 2025 (revised)"
    api.post(f"/api/v1/submissions/{submission.pk}/sources/", payload, format="json")
    assert submission.sources.get().name == "LFS 2025 (revised)"


def test_sources_refuse_an_indicator_outside_the_round(api, focal_point, catalogue):
    round_ = factories.make_round(tables=["MST_FORP_SEX_CBR_NB"])
    submission = factories.upload(focal_point, round_, factories.sample_csv(indicators=["MST_FORP_SEX_CBR_NB"]))
    api.force_authenticate(focal_point)
    response = api.post(
        f"/api/v1/submissions/{submission.pk}/sources/",
        {"indicator": "MNA_TPOP_SEX_CRS_NB", "source_type": "FA", "name": "Register"},
        format="json",
    )
    assert response.status_code == 400
    assert "not requested" in response.json()["detail"]


@pytest.fixture
def published(focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    return submission


def test_observations_are_public_paginated_with_count_and_page_size(api, published):
    body = api.get("/api/v1/observations/", {"page_size": 7}).json()
    assert body["count"] == published.observation_count
    assert len(body["results"]) == 7
    assert body["next"] is not None
    assert set(body["results"][0]) >= {
        "indicator",
        "ref_area",
        "source",
        "sex",
        "classif1",
        "classif2",
        "time",
        "obs_value",
        "obs_status",
        "note",
        "release",
        "submission",
        "source_row",
    }


@pytest.mark.parametrize(
    "params, check",
    [
        ({"indicator": "MST_FORP_SEX_CBR_NB"}, lambda r: r["indicator"] == "MST_FORP_SEX_CBR_NB"),
        ({"sex": "SEX_M,SEX_F"}, lambda r: r["sex"] in {"SEX_M", "SEX_F"}),
        ({"classif1": "CBR_BRT_TOTAL"}, lambda r: r["classif1"] == "CBR_BRT_TOTAL"),
        ({"classif2": "CBR_BIR_FOREIGN"}, lambda r: r["classif2"] == "CBR_BIR_FOREIGN"),
        ({"time": "2025"}, lambda r: r["time"] == "2025"),
        ({"time_from": "2025"}, lambda r: r["time"] >= "2025"),
        ({"obs_value_min": "100"}, lambda r: r["obs_value"] >= 100),
        ({"ref_area": "THA", "source": "BA"}, lambda r: r["ref_area"] == "THA" and r["source"] == "BA"),
    ],
)
def test_observations_filter_on_every_column(api, published, params, check):
    body = api.get("/api/v1/observations/", {**params, "page_size": 10000}).json()
    assert 0 < body["count"] < published.observation_count or "ref_area" in params
    assert all(check(r) for r in body["results"])


def test_observations_download_the_filtered_set_as_csv(api, published):
    response = api.get("/api/v1/observations/", {"format": "csv", "indicator": "MST_FORP_SEX_CBR_NB"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = api.get("/api/v1/observations/", {"indicator": "MST_FORP_SEX_CBR_NB"}).json()["count"]
    assert len(rows) == expected > 0
    assert {r["indicator"] for r in rows} == {"MST_FORP_SEX_CBR_NB"}
    assert list(rows[0])[:8] == ["indicator", "ref_area", "source", "sex", "classif1", "classif2", "time", "obs_value"]


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/submissions/{id}/approve/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    # No address of another host anywhere in the page (a random CSRF token may well spell "cdn" by chance).
    assert not re.findall(r"(?:https?:)?//[^\s\"'<>]+", docs)
    assert "unpkg" not in docs and "jsdelivr" not in docs
    # Static files, and the start-up script the page loads from its own address (no inline script: the CSP).
    urls = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert all(url.startswith("/static/") for url in urls if url != "/api/docs/?script=")
    script = client.get("/api/docs/?script=").content.decode()
    assert "SwaggerUIBundle" in script and not re.findall(r"https?://", script)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
