"""An embargoed value reaches the public by no path: every public page, download, API and SDMX answer is read
before the release's moment (as anonymous and as another country's focal point) and searched for the value's
note; at the moment, the answers that carry notes show it, with nothing run in between."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile

import pytest
import time_machine

from collection.models import Observation, Release
from tests import factories
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with, revise

SENTINEL = "revised with the 2024 census weights"  # the embargoed revision's note (test_vintages.revise)
SDMX = f"/sdmx/data/ILO,DF_{FORP},1.0"
EXPLORE = {"indicator": FORP, "ref_area": "THA"}

# Every public read of values, with the query a reader would send. The first group carries notes, so it must
# show the revision once it is out; the others show values, flags or release facts only.
WITH_NOTES = [
    ("/api/v1/observations/", {"indicator": FORP, "ref_area": "THA", "page_size": "1000"}),
    ("/api/v1/observations/", {"format": "csv"}),
    ("/api/v1/observations/", {"format": "csv", "note": "census"}),
    (f"{SDMX}/all", {"format": "sdmx-csv"}),
    (f"{SDMX}/THA....", {"format": "sdmx-ml"}),
    (f"/downloads/{FORP}.csv.gz", {}),
    (f"/downloads/{FORP}.labels.csv.gz", {}),
    ("/downloads/ILMS_ASEAN.csv.gz", {}),
    ("/downloads/ILMS.csv.gz", {}),
    ("/downloads/ILMS_ASEAN.labels.csv.gz", {}),
    ("/explore/", EXPLORE),
    ("/explore/", {**EXPLORE, "region": "ASEAN"}),
    ("/explore/download/csv/", EXPLORE),
    ("/explore/download/xlsx/", EXPLORE),
]
OTHERS = [
    ("/", {}),
    ("/data/", {}),
    (f"/data/{FORP}/", {}),
    (f"/data/{FORP}/THA/", {}),
    ("/countries/", {}),
    ("/countries/THA/", {}),
    ("/countries/asean/", {}),
    ("/regions/", {}),
    ("/regions/ASEAN/", {}),
    ("/regions/ASEAN/", {"year": "2024"}),
    ("/countries/THA/availability/", {}),
    ("/countries/THA/sources/", {}),
    ("/releases/", {}),
    ("/releases/feed/", {}),
    ("/api/v1/releases/", {}),
    ("/downloads/", {}),
    ("/api/v1/observations/", {"obs_status": "B"}),
    ("/api/v1/observations/", {"as_of": "2030-01-01", "format": "csv"}),
    (f"{SDMX}/all", {"format": "sdmx-csv", "as_of": "2030-01-01"}),
    (f"{SDMX}/all", {"format": "sdmx-csv", "updatedAfter": "2026-12-01T12:30:00Z"}),
]


def body(response) -> str:
    """The text of an answer, whatever it is packed in (gzip, an XLSX, a stream)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            raw = b"".join(book.read(name) for name in book.namelist())
    return raw.decode("utf-8", errors="replace")


@pytest.fixture
def embargoed(focal_point, reviewer, open_round):
    """Thailand published today; its revision waits in a release scheduled for tomorrow 09:00."""
    with time_machine.travel(TODAY, tick=False):
        publish_with(focal_point, reviewer, open_round, factories.sample_csv())
        release = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
        publish_with(focal_point, reviewer, open_round, edited(factories.sample_csv(), revise), release=release)
    return release


@pytest.mark.parametrize("reader", ["anonymous", "other_focal_point"])
def test_nothing_of_an_embargoed_release_reaches_the_public_by_any_path(client, embargoed, reader, other_focal_point):
    if reader == "other_focal_point":
        client.force_login(other_focal_point)
    held = Observation.objects.get(is_current=True, note=SENTINEL)
    with time_machine.travel(TOMORROW_9 - dt.timedelta(seconds=1), tick=False):
        for path, params in WITH_NOTES + OTHERS:
            response = client.get(path, params, follow=True)  # a focal point's home leads to their country
            assert response.status_code in (200, 404), (path, params, response.status_code)
            assert SENTINEL not in body(response), (path, params)
        assert client.get(f"/api/v1/observations/{held.pk}/").status_code == 404
        assert client.get(f"/observations/{held.pk}/history/").status_code in (302, 404)
    with time_machine.travel(TOMORROW_9, tick=False):
        for path, params in WITH_NOTES:
            response = client.get(path, params)
            assert response.status_code == 200 and SENTINEL in body(response), (path, params)
        assert client.get(f"/api/v1/observations/{held.pk}/").status_code == 200
