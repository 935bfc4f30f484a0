"""Values exactly as the country gave them, from the upload through publication to the API, the CSV download,
the public table, the value's history and the reviewer's workspace: never 750.6640000000001."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from decimal import Decimal

import pytest

from collection.models import Observation
from collection.publication.publish import observations_publish
from collection.review.workspace import submission_compare
from tests import factories
from tests.publication.test_publication import FORP, approved, edited, publish

KEY = {"indicator": FORP, "ref_area": "THA", "sex": "SEX_M", "time": "2024"}


def partners(content: bytes) -> list[tuple[str, Decimal]]:
    """The 2024 partner countries of SEX_M with their values, largest first (no total, no 'other')."""
    rows = csv.DictReader(io.StringIO(content.decode()))
    found = [
        (r["classif1"], Decimal(r["obs_value"]))
        for r in rows
        if (r["indicator"], r["sex"], r["time"]) == (FORP, "SEX_M", "2024")
        and not r["classif1"].endswith(("_TOTAL", "_X"))
    ]
    return sorted(found, key=lambda p: -p[1])


def to_thousandths(content: bytes, target: Decimal) -> tuple[bytes, str, Decimal]:
    """Give one partner country's value to the person (three decimals of a thousand), taking the difference
    from another, so that every total still adds up: what an office that rounds to the person sends."""
    (first, value), (second, _) = partners(content)[:2]
    delta = target - value

    def change(row: dict) -> None:
        if (row["indicator"], row["time"]) != (FORP, "2024") or row["sex"] not in ("SEX_M", "SEX_T"):
            return
        if row["classif1"] in (first, second):
            moved = Decimal(row["obs_value"]) + (delta if row["classif1"] == first else -delta)
            row["obs_value"] = str(moved)

    return edited(content, change), first, target


@pytest.fixture
def given(focal_point, reviewer, open_round):
    base = factories.sample_csv(years=(2024,))
    value = partners(base)[0][1]
    content, code, target = to_thousandths(base, value.quantize(Decimal(1)) + Decimal("0.664"))
    assert f",{target}," in content.decode()
    submission, release = publish(focal_point, reviewer, open_round, content)
    return {"content": content, "code": code, "value": target, "submission": submission, "release": release}


def test_the_value_is_stored_exactly(given):
    observation = Observation.objects.get(is_current=True, classif1=given["code"], **KEY)
    assert observation.obs_value == given["value"] and str(observation.obs_value) == str(given["value"])


def test_the_api_serves_a_json_number_with_the_given_digits(api, given):
    response = api.get("/api/v1/observations/", {"indicator": FORP, "sex": "SEX_M", "classif1": given["code"]})
    assert response.status_code == 200
    assert f'"obs_value":{given["value"]},' in response.content.decode().replace(" ", "")
    [row] = [r for r in response.json()["results"] if r["time"] == "2024"]
    assert row["obs_value"] == float(given["value"]) and isinstance(row["obs_value"], float)
    plain = api.get("/api/v1/observations/", {"indicator": FORP, "classif1": "CBR_BRT_TOTAL", "sex": "SEX_T"})
    # A value given to one decimal comes out with one decimal: 412.6, not "412.6000000000".
    assert all(json.dumps(r["obs_value"]).count(".") <= 1 for r in plain.json()["results"])
    assert re.search(r'"obs_value":\d+\.\d,', plain.content.decode().replace(" ", ""))


def test_the_value_filters_match_the_exact_value(api, given):
    value = str(given["value"])
    body = api.get("/api/v1/observations/", {"indicator": FORP, "obs_value_min": value, "obs_value_max": value}).json()
    assert [(r["classif1"], r["sex"]) for r in body["results"]] == [(given["code"], "SEX_M")]
    above = api.get(
        "/api/v1/observations/", {"indicator": FORP, "obs_value_min": str(given["value"] + Decimal("0.001"))}
    )
    assert given["code"] not in {r["classif1"] for r in above.json()["results"] if r["sex"] == "SEX_M"}


def test_the_csv_download_has_the_given_digits(api, given):
    response = api.get("/api/v1/observations/", {"indicator": FORP, "classif1": given["code"], "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["sex"]: r["obs_value"] for r in rows if r["time"] == "2024"}["SEX_M"] == str(given["value"])
    assert all(len(r["obs_value"].partition(".")[2]) <= 3 for r in rows)


def test_pages_show_the_given_digits(client, as_role, given):
    table = client.get(f"/data/{FORP}/THA/").content.decode()
    assert f">{given['value']}<" in table
    observation = Observation.objects.get(is_current=True, classif1=given["code"], **KEY)
    history = as_role("reviewer").get(f"/observations/{observation.pk}/history/").content.decode()
    assert f"<strong>{given['value']}</strong>" in history


def test_a_revision_to_one_decimal_shows_the_exact_change(as_role, focal_point, reviewer, open_round, given):
    """The next file gives the value to one decimal again: the change is exact (+0.036, never +0.03600000000000136)."""
    code, value = given["code"], given["value"]
    content, _, rounded = to_thousandths(given["content"], value.quantize(Decimal("0.1")))
    submission = approved(focal_point, reviewer, open_round, content)
    row = next(
        r
        for r in submission_compare(submission=submission)[FORP].rows
        if (r.sex, r.classif1, r.time) == ("SEX_M", code, "2024")
    )
    assert (row.published, row.value, row.change) == (value, rounded, rounded - value)
    page = as_role("reviewer").get(f"/review/{submission.pk}/", {"table": FORP, "sort": "change"}).content.decode()
    assert f"{rounded - value:+f}" in page and f"{value:,f}" in page
    observations_publish(submission_id=submission.pk)
    current = Observation.objects.get(is_current=True, classif1=code, **KEY)
    history = as_role("reviewer").get(f"/observations/{current.pk}/history/").content.decode()
    assert f"{rounded - value:+f} against the earlier value" in history
    assert "000000" not in history


def test_float_noise_in_a_file_is_not_a_revision_of_the_value_published(focal_point, reviewer, open_round, given):
    """A spreadsheet's formula result (706.6000000000001) is the 706.6 published: stored to the column's
    precision on every database, it is counted unchanged and writes no version."""
    next_double = repr(math.nextafter(float(given["value"]), math.inf))  # e.g. 1206.6640000000002
    assert float(next_double) != float(given["value"])
    noisy = given["content"].decode().replace(f",{given['value']},", f",{next_double},", 1)
    assert noisy != given["content"].decode()
    _, release = publish(focal_point, reviewer, open_round, noisy.encode())
    assert (release.new_count, release.revised_count) == (0, 0)
    assert Observation.objects.filter(**KEY, classif1=given["code"]).count() == 1
