"""The per-country reports: the countries page, the data-availability report (page and XLSX) and the data-source
register. Published data are made the real way: upload, validate, describe, submit, approve, publish."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import rows_to_csv
from collection.models import Country, DataSource, Observation, Submission, TableDefinition
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.submissions.sources import datasource_save
from tests import factories
from tests.browser import needs_chromium, shot, sign_in

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"
FORP = "MST_FORP_SEX_CBR_NB"
PAGES = ["/countries/", "/countries/THA/availability/", "/countries/THA/availability/xlsx/", "/countries/THA/sources/"]
COUNTRY_PAGES = [
    "/countries/{iso3}/availability/",
    "/countries/{iso3}/availability/xlsx/",
    "/countries/{iso3}/sources/",
]


def csv_for(years: tuple[int, ...], *, break_in: tuple[str, str] | None = None) -> bytes:
    """Thailand's two small tables; `break_in` = (indicator, year) flags that table-year's total with a break."""
    rows = sample_rows(table_specs(factories.SMALL_TABLES).values(), country="THA", years=years)
    if break_in is not None:
        total = next(
            r
            for r in rows
            if (r["indicator"], r["time"], r["sex"]) == (break_in[0], break_in[1], "SEX_T")
            and r["classif1"].endswith("_TOTAL")
            and r["classif2"] in ("", "CBR_BIR_TOTAL")
        )
        total["obs_status"], total["note"] = "B", "New survey design"
    return rows_to_csv(rows).encode("utf-8")


def describe(user, submission: Submission, indicator: str, **changes) -> None:
    """Re-describe one table's source through the service, changing only the given fields."""
    fields = DataSource.objects.filter(submission=submission, indicator=indicator).values(
        "source_type_id", "name", "agency", "reference_period", "coverage", "migrant_definition", "notes"
    )[0]
    datasource_save(user=user, submission=submission, indicator=indicator, **{**fields, **changes})


def publish(focal_point, reviewer, round_, content: bytes, **changes) -> Submission:
    """The whole path for one file; `changes` re-describe the FORP table's source before it is submitted."""
    submission = factories.validated(focal_point, round_, content)
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    if changes:
        describe(focal_point, submission, FORP, **changes)
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def history(focal_point, reviewer, catalogue):
    """Thailand: 2022–2023 published in round ILMS 2024 (FORP 2023 with a break), 2024 published in ILMS 2025
    with FORP now described by the labour ministry for the whole population."""
    first = factories.make_round(name="ILMS 2024", years=(2022, 2023))
    second = factories.make_round(name="ILMS 2025", years=(2024,))
    publish(focal_point, reviewer, first, csv_for((2022, 2023), break_in=(FORP, "2023")))
    publish(
        focal_point, reviewer, second, csv_for((2024,)), agency="Ministry of Labour", coverage="whole country, all ages"
    )
    return first, second


@pytest.fixture
def in_progress(history, focal_point):
    """A valid, unpublished 2025 file of Thailand's, whose FORP table comes from a new survey."""
    third = factories.make_round(name="ILMS 2026", years=(2025,))
    submission = factories.validated(focal_point, third, csv_for((2025,)))
    describe(focal_point, submission, FORP, name="Migration Survey", source_type_id="BX")
    return submission


def register_html(as_role, role: str) -> str:
    response = as_role(role).get("/countries/THA/sources/")
    assert response.status_code == 200
    return response.content.decode()


# The countries page


def test_countries_page_lists_every_country_with_its_summary(client, history):
    page = client.get("/countries/").content.decode()
    for name in Country.objects.values_list("name", flat=True):
        assert name in page
    assert 'href="/countries/THA/availability/"' in page and 'href="/countries/THA/sources/"' in page
    row = page.split("Thailand", 1)[1].split("</tr>", 1)[0]
    assert ">2</td>" in row and "2022–2024" in row
    assert "nothing published yet" in page.split("Malaysia", 1)[1].split("</tr>", 1)[0]


# The availability report


def test_availability_shows_each_table_by_year_with_its_source_and_count(client, history):
    response = client.get("/countries/THA/availability/")
    report = response.context["report"]
    assert report.years == ["2022", "2023", "2024"]
    rows = {r.table.indicator: dict(r.cells) for g in report.groups for r in g.rows}
    assert set(rows) == set(table_specs())  # every table of the catalogue, published or not
    per_year = Observation.objects.filter(is_current=True, ref_area="THA", indicator=FORP, time="2022").count()
    assert rows[FORP]["2022"].sources == ("BA",) and rows[FORP]["2022"].n == per_year > 0
    assert rows["MNA_TPOP_SEX_CRS_NB"]["2022"] is None
    page = response.content.decode()
    assert f'href="/data/{FORP}/THA/"' in page
    assert "Labour force survey" in page  # the legend names the source types


def test_a_value_with_a_break_marks_its_cell(client, history):
    report = client.get("/countries/THA/availability/").context["report"]
    rows = {r.table.indicator: dict(r.cells) for g in report.groups for r in g.rows}
    assert rows[FORP]["2023"].breaks == 1 and rows[FORP]["2023"].label == "BA (B)"
    assert rows[FORP]["2022"].breaks == 0 and rows[TPOP]["2023"].breaks == 0
    assert report.breaks == 1


def test_availability_reads_the_master_table_in_one_query(client, history):
    with CaptureQueriesContext(connection) as queries:
        client.get("/countries/THA/availability/")
    observation_queries = [q for q in queries if "collection_observation" in q["sql"]]
    assert len(observation_queries) == 1
    assert "COUNT" in observation_queries[0]["sql"].upper()


def test_a_country_with_nothing_published_gets_an_empty_state(client, history):
    response = client.get("/countries/MYS/availability/")
    assert response.context["report"].years == []
    assert "Malaysia has not published any data yet" in response.content.decode()


def test_the_xlsx_holds_the_matrix_and_the_legend(client, history):
    response = client.get("/countries/THA/availability/xlsx/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="ILMS_availability_THA_' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Availability", "Legend"]
    sheet = book["Availability"]
    header = [c.value for c in sheet[4]]
    assert header == ["Indicator", "Table", "2022", "2023", "2024"]
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=5) if r[0].value}
    assert rows[FORP][2:] == ["BA", "BA (B)", "BA"]
    assert rows["MNA_TPOP_SEX_CRS_NB"][2:] == [None, None, None]
    legend = {r[0].value: r[1].value for r in book["Legend"].iter_rows(min_row=4) if r[0].value}
    assert legend["BA"] == "Labour force survey" and "Break in series" in legend["(B)"]


def test_the_xlsx_keeps_text_that_looks_like_a_formula_as_text(client, history):
    TableDefinition.objects.filter(indicator=FORP).update(title='=HYPERLINK("http://evil.example","x")')
    book = load_workbook(io.BytesIO(client.get("/countries/THA/availability/xlsx/").content))
    cell = next(r[1] for r in book["Availability"].iter_rows(min_row=5) if r[0].value == FORP)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


# The source register


def test_the_register_groups_descriptions_of_the_same_source(client, history):
    register = client.get("/countries/THA/sources/").context["register"]
    names = [(s.type_code, s.name) for s in register.sources]
    assert names == [("BA", "Labour Force Survey")]  # one survey, though described in two rounds
    survey = register.sources[0]
    assert survey.agencies == ["National statistics office", "Ministry of Labour"]
    assert set(survey.feeds) == {TPOP, FORP}
    assert survey.feeds[FORP].rounds == [("ILMS 2024", False), ("ILMS 2025", False)]
    assert survey.feeds[FORP].years_sorted == ["2022", "2023", "2024"]


def test_names_differing_in_case_and_spacing_are_one_source(client, history, focal_point, reviewer):
    round_ = factories.make_round(name="ILMS 2026", years=(2025,))
    publish(focal_point, reviewer, round_, csv_for((2025,)), name="  labour force   SURVEY ")
    register = client.get("/countries/THA/sources/").context["register"]
    assert len(register.sources) == 1
    assert register.sources[0].feeds[FORP].years_sorted == ["2022", "2023", "2024", "2025"]


def test_the_register_shows_what_changed_between_rounds(client, history):
    response = client.get("/countries/THA/sources/")
    changes = response.context["register"].changes
    assert [(c.indicator, c.before, c.after) for c in changes] == [(FORP, "ILMS 2024", "ILMS 2025")]
    assert changes[0].fields == [
        ("Agency", "National statistics office", "Ministry of Labour"),
        ("Coverage", "whole country, population aged 15+", "whole country, all ages"),
    ]
    page = response.content.decode()
    assert "<del>National statistics office</del> → <ins>Ministry of Labour</ins>" in page


@pytest.mark.parametrize("role", ["anonymous", "fp_mys"])
def test_sources_in_progress_are_hidden_from_the_public_and_other_countries(as_role, in_progress, role):
    page = register_html(as_role, role)
    assert "Migration Survey" not in page and "in progress" not in page


@pytest.mark.parametrize("role", ["fp_tha", "reviewer", "admin"])
def test_the_country_and_ilo_staff_see_sources_in_progress(as_role, in_progress, role):
    response = as_role(role).get("/countries/THA/sources/")
    register = response.context["register"]
    survey = next(s for s in register.sources if s.name == "Migration Survey")
    assert survey.type_code == "BX" and survey.pending_only
    assert survey.feeds[FORP].rounds == [("ILMS 2026", True)]
    assert survey.feeds[FORP].pending_only_years == ["2025"] and survey.feeds[FORP].years_sorted == []
    last = register.changes[-1]
    assert (last.before, last.after) == ("ILMS 2025", "ILMS 2026 (in progress)")
    assert ("Name", "Labour Force Survey", "Migration Survey") in last.fields
    assert ("Source type", "BA Labour force survey", "BX Other household survey") in last.fields
    assert "in progress" in response.content.decode()


def test_an_abandoned_upload_gives_way_to_the_newer_one_of_its_round(as_role, in_progress, focal_point):
    newer = factories.validated(focal_point, in_progress.round, csv_for((2025,)))
    describe(focal_point, newer, FORP, name="Migration Survey 2025", source_type_id="BX")
    names = [s.name for s in as_role("fp_tha").get("/countries/THA/sources/").context["register"].sources]
    assert "Migration Survey 2025" in names and "Migration Survey" not in names


def test_a_country_without_described_sources_gets_an_empty_state(client, history):
    page = client.get("/countries/MYS/sources/").content.decode()
    assert "Malaysia has not described any source in a published submission yet" in page


# Access: every page, every role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PAGES)
def test_every_role_may_read_the_country_reports(as_role, history, role, url):
    assert as_role(role).get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", COUNTRY_PAGES)
def test_an_unknown_country_is_a_404(as_role, catalogue, role, url):
    assert as_role(role).get(url.format(iso3="XXX")).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_another_countrys_reports_are_public_too(as_role, history, role):
    for url in COUNTRY_PAGES:
        assert as_role(role).get(url.format(iso3="mys")).status_code == 200


# The pages in a browser


@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_a_visitor_and_the_focal_point_read_the_reports_in_a_browser(page, live_server, in_progress):
    page.goto(f"{live_server.url}/countries/")
    shot(page, "5-registers-countries")
    page.get_by_role("link", name="Data availability for Thailand").click()
    page.get_by_role("heading", name="Data availability: Thailand").wait_for()
    assert page.locator("td.has-break").count() == 1
    shot(page, "5-registers-availability")
    page.get_by_role("link", name="Data sources").first.click()
    page.get_by_role("heading", name="Data sources: Thailand").wait_for()
    assert page.get_by_text("Migration Survey").count() == 0  # the public sees published sources only

    sign_in(page, live_server.url, "fp_tha", "/countries/THA/sources/")
    page.get_by_role("heading", name="Migration Survey").wait_for()
    shot(page, "5-registers-sources")
