"""The whole path through a real Celery worker process and the API:
upload → validation → submit → approve → publication → observations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(api, url: str, statuses: set[str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(url).json()
        if body["status"] in statuses:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} still {body['status']} after {timeout}s")


def test_upload_to_publication_through_a_real_worker(worker, catalogue, api):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewer = factories.make_user("reviewer", "reviewer")
    round_ = factories.make_round()
    content = factories.sample_csv()

    api.force_authenticate(focal_point)
    response = api.post(
        "/api/v1/submissions/",
        {"round": round_.pk, "country": "THA", "file": factories.named_file("tha.csv", content)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "received"
    url = f"/api/v1/submissions/{created['id']}/"

    body = wait_for(api, url, {"valid", "invalid"})
    assert body["status"] == "valid", api.get(url + "issues/").json()
    assert body["observation_count"] == content.count(b"\n") - 1
    assert api.get(url + "issues/").json()["count"] == 0
    missing = "describe its source type, name, reference period, coverage, migrant definition before submitting."
    assert body["missing_before_submit"] == [f"{', '.join(sorted(factories.SMALL_TABLES))}: {missing}"]
    refused = api.post(url + "submit/")
    assert refused.status_code == 400 and "describe its source" in str(refused.json())
    for indicator in factories.SMALL_TABLES:
        described = api.post(
            url + "sources/",
            {
                "indicator": indicator,
                "source_type": "BA",
                "name": "Labour Force Survey 2025",
                "reference_period": "2025 annual average",
                "coverage": "whole country, 15+",
                "migrant_definition": "place_of_birth",
            },
        )
        assert described.status_code == 200, described.content
    assert api.get(url).json()["missing_before_submit"] == []
    assert api.post(url + "submit/").json()["status"] == "submitted"

    api.force_authenticate(reviewer)
    assert api.post(url + "approve/", {"comment": "Consistent with the LFS."}).json()["status"] == "approved"
    wait_for(api, url, {"published"})

    api.force_authenticate(None)
    published = api.get("/api/v1/observations/", {"ref_area": "THA", "page_size": 1}).json()
    assert published["count"] == body["observation_count"]
    line = content.decode().splitlines()[1].split(",")
    [cell] = api.get(
        "/api/v1/observations/",
        {"indicator": line[1], "sex": line[3], "classif1": line[4], "classif2": line[5], "time": line[6]},
    ).json()["results"]
    assert cell["obs_value"] == float(line[7])
    assert cell["source_row"] == 2 and cell["submission"] == created["id"]


def test_a_broken_file_ends_invalid_and_the_worker_goes_on(worker, catalogue, api):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round()
    api.force_authenticate(focal_point)
    ids = []
    for name, content in [("broken.xlsx", b"PK\x03\x04 not a workbook"), ("good.csv", factories.sample_csv())]:
        response = api.post(
            "/api/v1/submissions/",
            {"round": round_.pk, "country": "THA", "file": factories.named_file(name, content)},
            format="multipart",
        )
        ids.append(response.json()["id"])
    broken = wait_for(api, f"/api/v1/submissions/{ids[0]}/", {"valid", "invalid"})
    assert broken["status"] == "invalid" and broken["error_count"] == 1
    [problem] = api.get(f"/api/v1/submissions/{ids[0]}/issues/").json()["results"]
    assert problem["rule"] == "file.unreadable"
    assert "could not be opened as an Excel workbook" in problem["message"]
    assert wait_for(api, f"/api/v1/submissions/{ids[1]}/", {"valid", "invalid"})["status"] == "valid"
    assert Path(settings.MEDIA_ROOT).joinpath(f"submissions/{round_.pk}/THA").is_dir()
