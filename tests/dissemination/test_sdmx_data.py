"""SDMX data queries: the portal's public numbers, read back by independent readers (sdmx1 given the portal's
own structure, and pysdmx) and compared value by value with GET /api/v1/observations/; key syntax, periods,
vintages and embargo; errors as SDMX error messages."""

from __future__ import annotations

import io

import pytest
import time_machine
from lxml import etree

from collection.dissemination.sdmx.keys import data_path
from collection.models import Release
from tests import factories
from tests.dissemination.sdmx_helpers import (
    CSV,
    FORP,
    TPOP,
    XML,
    api_values,
    body,
    data_url,
    published,
    pysdmx_values,
    sdmx1_csv_values,
    sdmx1_values,
    structure_of,
)
from tests.dissemination.test_sdmx_structure import ROLES, sdmx_error
from tests.publication.test_publication import edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, revise

BREAKDOWNS = {FORP: ["SEX", "CBR"], TPOP: ["SEX", "AGE", "CBR"]}
THA_TOTAL_2024 = ("THA", "SEX_T", "CBR_BRT_TOTAL", "", "2024")


@pytest.fixture
def tha_published(focal_point, reviewer, open_round):
    """Thailand's 2024-2025 file for the two small tables, published: what a focal point sends."""
    return published(focal_point, reviewer, open_round, factories.sample_csv())


def structure_text(client, indicator: str) -> bytes:
    return client.get(f"/sdmx/datastructure/ILO/{indicator}/latest", {"references": "children"}).content


@pytest.mark.parametrize("indicator", [FORP, TPOP])
def test_every_reader_gets_the_numbers_of_the_observations_api(client, tha_published, indicator):
    expected = api_values(client, indicator)
    assert len(expected) > 20
    dsd = structure_of(client, indicator)
    dims = BREAKDOWNS[indicator]
    xml = client.get(data_url(indicator), HTTP_ACCEPT=XML)
    assert xml.status_code == 200 and xml["Content-Type"].startswith(
        "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
    )
    xml_body = body(xml)
    csv = client.get(data_url(indicator), HTTP_ACCEPT=CSV)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("application/vnd.sdmx.data+csv; version=2.0.0")
    csv_body = body(csv)
    assert sdmx1_values(xml_body, dsd, dims) == expected
    assert pysdmx_values(xml_body, dims, structure_text(client, indicator)) == expected
    assert sdmx1_csv_values(csv_body, dsd, dims) == expected
    assert pysdmx_values(csv_body, dims) == expected


def test_a_csv_row_is_laid_out_as_ilostat_lays_it_out(client, tha_published):
    lines = body(client.get(data_url(FORP, "THA.A.MST_FORP_NB.SEX_T.CBR_BRT_TOTAL"), {"format": "csv"}))
    header, first, second = lines.decode().splitlines()
    assert header == (
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,FREQ,MEASURE,SEX,CBR,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "UNIT_MEASURE,UNIT_MULT,SOURCE,NOTE,NOTE_CLASSIF,NOTE_INDICATOR,NOTE_SOURCE"
    )
    api = api_values(client, FORP, sex="SEX_T", classif1="CBR_BRT_TOTAL")
    value = api[THA_TOTAL_2024][0]
    assert first.startswith(f"dataflow,ILO:DF_{FORP}(1.0),I,THA,A,MST_FORP_NB,SEX_T,CBR_BRT_TOTAL,2024,{value},")
    assert ",NB,3,BA," in first and ",2025," in second


@pytest.mark.parametrize(
    ("fmt", "accept", "expected"),
    [
        ("sdmx-csv", None, "csv"),
        ("csv", None, "csv"),
        ("sdmx-ml", None, "xml"),
        ("xml", None, "xml"),
        ("structurespecificdata", None, "xml"),
        (None, CSV, "csv"),
        (None, "text/csv", "csv"),
        (None, XML, "xml"),
        (None, "application/json;q=1, application/vnd.sdmx.data+csv;version=2.0.0;q=0.5", "csv"),
        (None, None, "xml"),
    ],
)
def test_the_format_follows_format_then_accept(client, tha_published, fmt, accept, expected):
    params = {"format": fmt} if fmt else {}
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(data_url(FORP, "THA...."), params, **headers)
    assert response.status_code == 200
    text = body(response)
    assert text.startswith(b"STRUCTURE,") if expected == "csv" else text.startswith(b"<?xml")


@pytest.mark.parametrize(
    "accept", ["application/json", "application/vnd.sdmx.data+csv;version=1.0.0", "application/vnd.sdmx.data+json"]
)
def test_a_format_it_cannot_serve_is_a_406(client, tha_published, accept):
    response = client.get(data_url(FORP), HTTP_ACCEPT=accept)
    assert response.status_code == 406 and sdmx_error(response)[0] == "406"
    assert client.get(data_url(FORP), {"format": "json"}).status_code == 406


@pytest.mark.parametrize(
    ("key", "keys"),
    [
        ("THA.A.MST_FORP_NB.SEX_M+SEX_F.CBR_BRT_TOTAL", {("SEX_M", "CBR_BRT_TOTAL"), ("SEX_F", "CBR_BRT_TOTAL")}),
        ("...SEX_T.CBR_BRT_TOTAL", {("SEX_T", "CBR_BRT_TOTAL")}),
        ("THA...SEX_T.CBR_BRT_MMR+CBR_BRT_KHM", {("SEX_T", "CBR_BRT_MMR"), ("SEX_T", "CBR_BRT_KHM")}),
    ],
)
def test_the_key_selects_codes_position_by_position(client, tha_published, key, keys):
    rows = pysdmx_values(body(client.get(data_url(FORP, key), {"format": "csv"})), BREAKDOWNS[FORP])
    assert {(k[1], k[2]) for k in rows} == keys
    assert {k[4] for k in rows} == {"2024", "2025"}
    expected = api_values(client, FORP)
    assert all(expected[k] == v for k, v in rows.items())


def test_an_empty_key_all_and_open_positions_mean_everything(client, tha_published):
    everything = body(client.get(data_url(FORP, "all"), {"format": "csv"}))
    assert len(everything.splitlines()) == len(api_values(client, FORP)) + 1
    for path in (f"/sdmx/data/ILO,DF_{FORP},1.0", f"/sdmx/data/ILO,DF_{FORP},1.0/", data_url(FORP, "....")):
        assert body(client.get(path, {"format": "csv"})) == everything, path


@pytest.mark.parametrize(
    ("key", "status", "code", "says"),
    [
        ("THA.A.MST_FORP_NB.SEX_T", 400, "140", "has 4 positions"),
        ("THA.A.MST_FORP_NB.SEX_T.CBR_BRT_TOTAL.X", 400, "140", "has 6 positions"),
        ("THA.A.MST_FORP_NB.SEX_X.", 400, "150", "SEX_X (SEX)"),
        ("FRA....", 400, "150", "FRA (REF_AREA)"),
        ("THA.M...", 400, "150", "M (FREQ)"),
        ("THA.A.MST_TEMP_NB..", 400, "150", "MST_TEMP_NB (MEASURE)"),
        ("THA...SEX_T+.", 400, "140", "empty code"),
        ("MYS....", 404, "100", "No public values"),  # a valid key that matches nothing
    ],
)
def test_a_bad_key_is_a_400_and_a_key_matching_nothing_a_404(client, tha_published, key, status, code, says):
    response = client.get(data_url(FORP, key))
    assert response.status_code == status
    got_code, text = sdmx_error(response)
    assert got_code == code and says in text
    as_csv = client.get(data_url(FORP, key), {"format": "csv"})
    assert as_csv.status_code == status and as_csv["Content-Type"].startswith("text/plain")
    assert as_csv.content.decode().startswith(f"{code} ") and says in as_csv.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/sdmx/data/ILO,DF_UNE_DEAP_RT,1.0/all",
        f"/sdmx/data/ESTAT,DF_{FORP},1.0/all",
        f"/sdmx/data/ILO,DF_{FORP},2.0/all",
        f"/sdmx/data/ILO,{FORP},1.0/all",
    ],
)
def test_an_unknown_flow_is_a_404(client, tha_published, path):
    response = client.get(path)
    assert response.status_code == 404 and sdmx_error(response)[0] == "100"


def test_start_and_end_period_choose_the_years(client, tha_published):
    def years(**params) -> set[str]:
        rows = pysdmx_values(body(client.get(data_url(FORP), {"format": "csv", **params})), BREAKDOWNS[FORP])
        return {k[4] for k in rows}

    assert years() == {"2024", "2025"}
    assert years(startPeriod="2025") == {"2025"}
    assert years(endPeriod="2024") == {"2024"}
    assert years(startPeriod="2024-01-01", endPeriod="2024-12-31") == {"2024"}
    assert client.get(data_url(FORP), {"startPeriod": "2030"}).status_code == 404
    response = client.get(data_url(FORP), {"startPeriod": "last year"})
    assert response.status_code == 400 and "startPeriod=last year" in sdmx_error(response)[1]


@time_machine.travel(TODAY, tick=False)
def test_an_embargoed_release_never_appears_in_any_sdmx_answer(as_role, focal_point, reviewer, open_round):
    """Whoever asks, before its moment: not in the CSV, not in the XML, not through as_of or updatedAfter."""
    content = factories.sample_csv()
    first = published(focal_point, reviewer, open_round, content)
    scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
    published(focal_point, reviewer, open_round, edited(content, revise), release=scheduled)
    before = api_values(as_role("anonymous"), FORP)
    assert before[THA_TOTAL_2024][1:3] == ("", "")
    for role in ROLES:
        client = as_role(role)
        csv_text = body(client.get(data_url(FORP), {"format": "csv"}))
        assert pysdmx_values(csv_text, BREAKDOWNS[FORP]) == before, role
        xml = body(client.get(data_url(FORP), {"format": "xml"}))
        assert b"2024 census weights" not in xml and b"2024 census weights" not in csv_text
        late = client.get(data_url(FORP), {"as_of": "2026-12-31", "format": "csv"})
        assert b"2024 census weights" not in body(late), role
        newer = client.get(data_url(FORP), {"updatedAfter": "2026-12-01T12:00:00Z"})
        assert newer.status_code == 404 and sdmx_error(newer)[0] == "100", role
        unknown = client.get(data_url(FORP), {"as_of_release": str(scheduled.pk)})
        assert unknown.status_code == 400 and "no such release" in sdmx_error(unknown)[1]
    client = as_role("anonymous")
    with time_machine.travel(TOMORROW_9, tick=False):
        now = pysdmx_values(body(client.get(data_url(FORP), {"format": "csv"})), BREAKDOWNS[FORP])
        assert now[THA_TOTAL_2024][1:3] == ("B", "revised with the 2024 census weights")
        assert now == api_values(client, FORP)
        # what was public before, asked of the past, and what changed since the first release
        then = body(client.get(data_url(FORP), {"as_of": "2026-12-01", "format": "csv"}))
        assert pysdmx_values(then, BREAKDOWNS[FORP]) == before
        at_first = body(client.get(data_url(FORP), {"as_of_release": str(first.release_id), "format": "csv"}))
        assert at_first == then
        changed = body(client.get(data_url(FORP), {"updatedAfter": "2026-12-01T12:00:00Z", "format": "csv"}))
        assert set(pysdmx_values(changed, BREAKDOWNS[FORP])) == {THA_TOTAL_2024}
        everything = body(client.get(data_url(FORP), {"updatedAfter": "2026-12-01T11:59:59Z", "format": "csv"}))
        assert len(everything.splitlines()) == len(now) + 1


def test_bad_moments_are_400_sdmx_errors(client, tha_published):
    for params, says in (
        ({"as_of": "last tuesday"}, "ISO 8601"),
        ({"as_of_release": "999"}, "no such release"),
        ({"as_of": "2026-12-01", "as_of_release": "1"}, "not both"),
        ({"updatedAfter": "yesterday"}, "updatedAfter=yesterday"),
    ):
        response = client.get(data_url(FORP), params)
        assert response.status_code == 400, params
        assert sdmx_error(response)[0] == "140" and says in sdmx_error(response)[1]


def test_text_cells_are_formula_safe_in_csv_and_intact_in_xml(client, focal_point, reviewer, open_round):
    def formula(row: dict) -> None:
        if (row["sex"], row["classif1"], row["time"]) == ("SEX_T", "CBR_BRT_TOTAL", "2024"):
            row["note"] = '=HYPERLINK("http://x","estimate") workers\' count'

    published(focal_point, reviewer, open_round, edited(factories.sample_csv(), formula))
    key = "THA.A.MST_FORP_NB.SEX_T.CBR_BRT_TOTAL"
    csv_text = body(client.get(data_url(FORP, key), {"format": "csv", "endPeriod": "2024"})).decode()
    assert ',"\'=HYPERLINK(""http://x"",""estimate"") workers\' count",' in csv_text
    xml = body(client.get(data_url(FORP, key), {"format": "xml", "endPeriod": "2024"}))
    [obs] = etree.parse(io.BytesIO(xml)).getroot().iter("Obs")
    assert obs.get("NOTE") == '=HYPERLINK("http://x","estimate") workers\' count'
    assert obs.get("OBS_VALUE") == str(api_values(client, FORP)[THA_TOTAL_2024][0])


def test_data_path_builds_the_sdmx_url_of_a_selection(client, tha_published):
    path = data_path(FORP, {"ref_area": ["THA"], "sex": ["SEX_M", "SEX_F"], "classif1": ["CBR_BRT_TOTAL"]})
    assert path == f"/sdmx/data/ILO,DF_{FORP},1.0/THA...SEX_M+SEX_F.CBR_BRT_TOTAL"
    assert data_path(TPOP, {"AGE": ["AGE_YTHADULT_YGE15"]}) == f"/sdmx/data/ILO,DF_{TPOP},1.0/....AGE_YTHADULT_YGE15."
    assert data_path(FORP) == f"/sdmx/data/ILO,DF_{FORP},1.0/all"
    rows = pysdmx_values(body(client.get(path, {"format": "csv"})), BREAKDOWNS[FORP])
    assert {(k[1], k[2]) for k in rows} == {("SEX_M", "CBR_BRT_TOTAL"), ("SEX_F", "CBR_BRT_TOTAL")}


@pytest.mark.parametrize("role", ROLES)
def test_sdmx_data_is_public_and_the_same_for_every_role(as_role, tha_published, role):
    anonymous = body(as_role("anonymous").get(data_url(FORP), {"format": "csv"}))
    assert body(as_role(role).get(data_url(FORP), {"format": "csv"})) == anonymous
