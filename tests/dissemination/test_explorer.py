"""The public data explorer: a choice read from the URL, the values laid out as the reader chose, footnotes for
flags, notes and revisions, downloads equal to what is shown and to the observations API, embargoes kept from
the public, and `as_of` showing what was public then."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from collection.dissemination.explorer import explorer_show, selection_parse
from collection.models import Release
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.publication.test_publication import FORP, FORP_TOTAL, edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with

TEN = [  # the ten countries, by name
    "BRN",
    "KHM",
    "IDN",
    "LAO",
    "MYS",
    "MMR",
    "PHL",
    "SGP",
    "THA",
    "VNM",
]
pytestmark = pytest.mark.usefixtures("catalogue")


def choice(query: str):
    return selection_parse(QueryDict(query))


def note_break(row: dict) -> None:
    """Thailand's foreign-born total of 2024 flagged as a break, with a note a spreadsheet would run."""
    if row["ref_area"] == "THA" and all(row[k] == v for k, v in FORP_TOTAL.items()):
        row["obs_status"], row["note"] = "B", "=new LFS weights from 2024"


def revise_total(row: dict) -> None:
    """A revision that keeps every total right: the same flag and a new note on the same value."""
    if row["ref_area"] == "THA" and all(row[k] == v for k, v in FORP_TOTAL.items()):
        row["obs_status"], row["note"] = "B", "revised with the 2024 census weights"


@pytest.fixture
def published(focal_point, other_focal_point, reviewer, open_round):
    """Thailand's and Malaysia's two small tables for 2024 and 2025, published now."""
    with time_machine.travel(TODAY, tick=False):
        tha = publish_with(focal_point, reviewer, open_round, edited(factories.sample_csv("THA"), note_break))
        mys = factories.validated(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")
        factories.submit(other_focal_point, mys)
        submission_approve(user=reviewer, submission=mys)
        observations_publish(submission_id=mys.pk)
    return tha


def api_values(client, url: str) -> dict[str, Decimal]:
    response = client.get(f"{url}&page_size=1000")
    assert response.status_code == 200, response.content
    return {key_of(r): Decimal(str(r["obs_value"])) for r in response.json()["results"]}


def key_of(row: dict) -> str:
    return "|".join(row[c] for c in ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time"))


def shown_cells(shown) -> dict[str, Decimal]:
    return {cell.key: cell.value for row in shown.rows for cell in row.cells if cell is not None}


def csv_download(client, query: str) -> list[dict]:
    response = client.get(f"/explore/download/csv/?{query}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_table_alone_defaults_to_the_ten_countries_every_year_and_the_totals():
    selection = choice(f"indicator={FORP}")
    assert selection.ref_area == TEN
    assert selection.codes == {"sex": ["SEX_T"], "classif1": ["CBR_BRT_TOTAL"]}
    assert (selection.rows, selection.cols, selection.chart, selection.time_from, selection.time_to) == (
        "ref_area", "time", "line", "", "",
    )  # fmt: skip


def test_the_choice_is_read_from_repeated_or_comma_separated_parameters_and_unknown_codes_are_dropped():
    selection = choice(
        f"indicator={FORP}&ref_area=tha,MYS&ref_area=XXX&sex=SEX_F&sex=SEX_M&sex=AGE_YTHADULT_YGE15"
        "&classif1=CBR_BRT_MMR&time_from=2025&time_to=2021&rows=classif1&cols=sex&chart=bar&as_of=2026-12-01"
    )
    assert selection.ref_area == ["MYS", "THA"]  # in the catalogue's order, by name
    assert selection.codes == {"sex": ["SEX_F", "SEX_M"], "classif1": ["CBR_BRT_MMR"]}
    assert (selection.time_from, selection.time_to) == ("2021", "2025")
    assert (selection.rows, selection.cols, selection.chart, selection.as_of) == (
        "classif1",
        "sex",
        "bar",
        "2026-12-01",
    )
    # The query it makes again is the one a plain GET form sends: repeated names.
    assert selection.query().startswith(f"indicator={FORP}&ref_area=MYS&ref_area=THA&sex=SEX_F&sex=SEX_M")


def test_a_layout_the_table_lacks_or_rows_equal_to_columns_falls_back_to_countries_by_years():
    assert choice(f"indicator={FORP}&rows=classif2&cols=time").rows == "ref_area"  # FORP has one breakdown
    selection = choice(f"indicator={FORP}&rows=sex&cols=sex")
    assert (selection.rows, selection.cols) == ("ref_area", "time")
    assert choice("indicator=NO_SUCH_TABLE").indicator is None


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_countries_down_years_across_equal_the_observations_api(client, published):
    shown = explorer_show(selection=choice(f"indicator={FORP}&ref_area=THA,MYS"), user=AnonymousUser())
    assert [r.headers for r in shown.rows] == [[("MYS", "Malaysia")], [("THA", "Thailand")]]
    assert shown.columns == [("2024", "2024"), ("2025", "2025")]
    assert ("Sex", "SEX_T", "Total") in shown.fixed
    response = client.get("/explore/", {"indicator": FORP, "ref_area": "THA,MYS"})
    api_url = response.context["api_url"]
    assert api_url == f"/api/v1/observations/?indicator={FORP}&ref_area=MYS,THA&sex=SEX_T&classif1=CBR_BRT_TOTAL"
    assert shown_cells(shown) == api_values(client, api_url)
    assert response.context["sdmx_url"] == (
        f"/sdmx/data/ILO,DF_{FORP},1.0/MYS+THA...SEX_T.CBR_BRT_TOTAL?format=sdmx-csv"
    )
    # The SDMX-CSV download is the SDMX service's answer to that query: the same values as the table.
    sdmx = client.get(response.context["sdmx_url"])
    assert sdmx.status_code == 200, sdmx.content[:300]
    lines = list(csv.DictReader(io.StringIO(b"".join(sdmx.streaming_content).decode("utf-8-sig"))))
    assert {(r["REF_AREA"], r["TIME_PERIOD"]): Decimal(r["OBS_VALUE"]) for r in lines} == {
        (key.split("|")[1], key.split("|")[6]): value for key, value in shown_cells(shown).items()
    }


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_rows_by_breakdown_keep_the_other_chosen_dimensions_beside_them(published):
    selection = choice(f"indicator={FORP}&ref_area=THA&sex=SEX_F&sex=SEX_M&time_from=2025&rows=classif1&cols=sex")
    selection.codes["classif1"] = ["CBR_BRT_TOTAL", "CBR_BRT_MMR", "CBR_BRT_LAO"]
    shown = explorer_show(selection=selection, user=AnonymousUser())
    assert shown.row_axes == ["classif1"]  # one country, one year: they are named above the table
    assert shown.columns == [("SEX_M", "Male"), ("SEX_F", "Female")]
    assert [r.headers[0][0] for r in shown.rows] == ["CBR_BRT_TOTAL", "CBR_BRT_LAO", "CBR_BRT_MMR"]
    assert {("Country", "THA", "Thailand"), ("Year", "2025", "2025")} <= set(shown.fixed)
    selection.time_from = ""
    assert explorer_show(selection=selection, user=AnonymousUser()).row_axes == ["classif1", "time"]


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_flags_and_notes_are_footnotes_and_the_release_is_named(client, published):
    response = client.get("/explore/", {"indicator": FORP, "ref_area": "THA"})
    shown = response.context["shown"]
    assert shown.footnotes == ["B: Break in series", "=new LFS weights from 2024"]
    [cell] = [c for r in shown.rows for c in r.cells if c and c.flag]
    assert cell.notes == [1, 2] and cell.key.endswith("|2024")
    page = response.content.decode()
    assert f"Released 1 Dec 2026, release {published.release_id}" in page
    assert '<li id="fn-1">B: Break in series</li>' in page


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
def test_the_csv_and_xlsx_hold_exactly_the_values_shown_and_the_csv_is_formula_safe(client, published):
    query = f"indicator={FORP}&ref_area=THA&ref_area=MYS&sex=SEX_T&sex=SEX_F"
    shown = explorer_show(selection=choice(query), user=AnonymousUser())
    rows = csv_download(client, query)
    assert {key_of(r): Decimal(r["obs_value"]) for r in rows} == shown_cells(shown)
    assert len(rows) == len(shown_cells(shown)) == 8
    flagged = next(r for r in rows if r["obs_status"] == "B")
    assert flagged["note"] == "'=new LFS weights from 2024"  # a spreadsheet shows it, never runs it
    assert flagged["ref_area.label"] == "Thailand" and flagged["release"] == str(published.release_id)
    response = client.get(f"/explore/download/xlsx/?{query}")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    table = [row for row in book["Table"].iter_rows(values_only=True)]
    header = table.index(("Country", "Sex", "2024", "2025"))
    body = table[header + 1 : header + 1 + len(shown.rows)]
    assert [r[:2] for r in body] == [tuple(label for _, label in row.headers) for row in shown.rows]
    assert [r[2:] for r in body] == [tuple(float(c.value) for c in row.cells) for row in shown.rows]
    assert book["Values"].max_row == 9


@time_machine.travel(TODAY, tick=False)
def test_embargoed_values_never_reach_the_public_and_staff_see_them_marked(
    client, published, focal_point, other_focal_point, reviewer, open_round
):
    scheduled = Release.objects.create(title="Thailand revision", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, edited(factories.sample_csv("THA"), revise_total), scheduled)
    query = {"indicator": FORP, "ref_area": "THA"}
    for reader in (None, other_focal_point):
        if reader:
            client.force_login(reader)
        page = client.get("/explore/", query).content.decode()
        assert "census weights" not in page and "embargoed" not in page
        assert all("census weights" not in r["note"] for r in csv_download(client, "indicator=" + FORP))
    for insider in (reviewer, focal_point):
        client.force_login(insider)
        response = client.get("/explore/", query)
        assert response.context["shown"].embargoed == 1
        assert "revised with the 2024 census weights" in response.content.decode()
        shown = response.context["shown"]
        assert "Embargoed until 2 Dec 2026 09:00 UTC" in " ".join(shown.footnotes)
        assert any(t.startswith("Revises the public value") for t in shown.footnotes)
        # Released names what is out; the scheduled release is named apart, with its moment.
        assert [r.pk for r in shown.released] == [published.release_id] and shown.upcoming == [scheduled]
        assert "public on 2 Dec 2026 09:00" in response.content.decode()
        [row] = [r for r in csv_download(client, f"indicator={FORP}&ref_area=THA") if r["note"].startswith("revised")]
        assert row["public"] == "False"
    client.logout()
    with time_machine.travel(TOMORROW_9 + dt.timedelta(minutes=1), tick=False):
        shown = client.get("/explore/", query).context["shown"]
        assert "revised with the 2024 census weights" in shown.footnotes
        assert any(t.startswith("Revised on 2 Dec 2026; earlier value") for t in shown.footnotes)
        # As of the day before, the public saw the first release's note and no revision.
        before = client.get("/explore/", {**query, "as_of": "2026-12-01"})
        assert "=new LFS weights from 2024" in before.context["shown"].footnotes
        assert not any(t.startswith("Revised") for t in before.context["shown"].footnotes)
        assert "As published on 1 Dec 2026" in before.content.decode()


def test_a_choice_without_values_says_so_and_suggests_a_wider_one(client, published):
    response = client.get("/explore/", {"indicator": FORP, "as_of": "2020-01-01"})
    page = response.content.decode()
    assert response.status_code == 200 and "No published values for this choice on 1 Jan 2020" in page
    assert "every year" in page and "today's values" in page


def test_a_bad_as_of_is_explained_not_guessed(client, catalogue):
    response = client.get("/explore/", {"indicator": FORP, "as_of": "last tuesday"})
    assert response.status_code == 400 and "ISO 8601" in response.content.decode()
    assert client.get("/explore/download/csv/", {"indicator": FORP, "as_of": "nope"}).status_code == 400
    assert client.get("/explore/download/pdf/", {"indicator": FORP}).status_code == 404
    assert client.get("/explore/download/csv/").status_code == 404


@time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False)
@pytest.mark.parametrize("role", ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"])
def test_every_role_reads_the_explorer_and_its_downloads(as_role, role, published):
    client = as_role(role)
    assert client.get("/explore/").status_code == 200
    response = client.get("/explore/", {"indicator": FORP})
    assert response.status_code == 200 and response.context["shown"].rows
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/explore/download/{fmt}/", {"indicator": FORP}).status_code == 200


def test_the_data_pages_link_into_the_explorer(client, published):
    page = client.get(f"/data/{FORP}/").content.decode()
    assert f'href="/explore/?indicator={FORP}"' in page
    assert f'href="/explore/?indicator={FORP}&amp;ref_area=THA"' in page
    assert f'href="/explore/?indicator={FORP}&amp;ref_area=THA"' in client.get(f"/data/{FORP}/THA/").content.decode()
