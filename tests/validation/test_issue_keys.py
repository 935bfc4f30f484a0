"""Every issue is tied to its value by key (and, in a workbook, its sheet and cell): a table's warnings show on
its own values only, in the report, the API, the reviewer's workspace and a published value's history, even
though every workbook sheet starts at row 7 and a row holds the values of every sex and year."""

from __future__ import annotations

import importlib

import polars as pl
import pytest
from django.db import connections
from django.urls import reverse

from collection.catalogue.layout import FIRST_DATA_ROW
from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.bulkload import bulk_load
from collection.lib.longlayout import rows_to_csv
from collection.models import Country, Observation, StagedObservation, Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.review.workspace import submission_compare
from collection.submissions.staged import staged_frame
from collection.workbook.build import workbook_build
from tests import browser, factories
from tests.workbooks import cell_of, fill, open_book, save

TPOP, ABROAD, FORP = "MST_TPOP_SEX_AGE_CBR_NB", "MNA_TPOP_SEX_CRS_NB", "MST_FORP_SEX_CBR_NB"
KEY = ("indicator", "source", "sex", "classif1", "classif2", "time")


def find(rows: list[dict], indicator: str, sex: str, classif1: str, time: str = "2025") -> dict:
    return next(
        r for r in rows if (r["indicator"], r["sex"], r["classif1"], r["time"]) == (indicator, sex, classif1, time)
    )


def move(row: dict, tenths: int) -> None:
    row["obs_value"] = f"{(round(float(row['obs_value']) * 10) + tenths) / 10:.1f}"


@pytest.fixture
def round_(catalogue):
    # FORP is asked for but not sent: one warning about the whole submission.
    return factories.make_round(tables=[TPOP, ABROAD, FORP], years=(2024, 2025))


@pytest.fixture
def case(round_, focal_point) -> dict:
    """A workbook whose 2025 population doubled (a warning on every value of TPOP, rows 7-9) and where one
    partner country's women (and so its total) doubled, taken from the biggest partner: totals still add up,
    the men of that country did not move, and the partner table's row 7 (its total) is unchanged."""
    rows = sample_rows(table_specs([TPOP, ABROAD]).values(), country="THA", years=(2024, 2025))
    for row in rows:
        if row["indicator"] == TPOP and row["time"] == "2025":
            row["obs_value"] = f"{float(row['obs_value']) * 2:.1f}"
    women = sorted(
        (r for r in rows if (r["indicator"], r["sex"], r["time"]) == (ABROAD, "SEX_F", "2025")),
        key=lambda r: float(r["obs_value"]),
    )
    women = [r for r in women if not r["classif1"].endswith(("_TOTAL", "_X"))]
    doubled, biggest = women[-2]["classif1"], women[-1]["classif1"]
    tenths = round(float(women[-2]["obs_value"]) * 10)
    for sex in ("SEX_F", "SEX_T"):
        move(find(rows, ABROAD, sex, doubled), tenths)
        move(find(rows, ABROAD, sex, biggest), -tenths)
    book = open_book(workbook_build(round_=round_, country=Country.objects.get(iso3="THA")))
    fill(book, rows)
    submission = factories.validated(focal_point, round_, save(book))
    assert submission.status == Submission.Status.VALID, list(submission.issues.values_list("message")[:3])
    return {"submission": submission, "book": book, "doubled": doubled}


def key_of(issue) -> tuple:
    return tuple(getattr(issue, c) for c in KEY)


def test_each_issue_names_the_key_and_the_cell_of_its_own_value(case):
    submission, book = case["submission"], case["book"]
    issues = list(submission.issues.all())
    about_values = [i for i in issues if i.time is not None]
    assert {i.indicator for i in about_values} == {TPOP, ABROAD}
    for issue in about_values:
        cell = cell_of(book, issue.indicator, issue.classif1, f"{issue.time}|{issue.classif2}|{issue.sex}")
        assert (issue.sheet, issue.cell) == (issue.indicator, cell.coordinate)
        assert issue.source == "BA"
    # Both tables have warnings on row 7, on different values.
    assert {i.indicator for i in about_values if i.row == FIRST_DATA_ROW} == {TPOP}
    assert {i.indicator for i in about_values if i.row == find_row(book, ABROAD, case["doubled"])} == {ABROAD}
    [whole] = [i for i in issues if i.time is None]
    assert (whole.rule, whole.indicator, whole.sex, whole.cell) == ("completeness", None, None, None)


def find_row(book, indicator: str, classif1: str) -> int:
    return cell_of(book, indicator, classif1, "2025||SEX_T").row


def test_the_report_shows_each_issue_at_its_cell_with_its_key(as_role, case):
    submission = case["submission"]
    page = as_role("fp_tha").get(reverse("submission_detail", args=[submission.pk])).content.decode()
    for issue in submission.issues.exclude(time=None):
        assert f"{issue.sheet}!{issue.cell}" in page
        assert f"{issue.sex} · {issue.classif1} · {issue.time}" in page or (
            f"{issue.sex} · {issue.classif1} · {issue.classif2} · {issue.time}" in page
        )
    assert "whole file" in page  # the completeness warning belongs to no cell


def test_the_api_issue_list_gives_the_key_of_each_issue(api, focal_point, case):
    submission = case["submission"]
    api.force_authenticate(focal_point)
    listed = api.get(f"/api/v1/submissions/{submission.pk}/issues/", {"indicator": ABROAD}).json()["results"]
    women = next(i for i in listed if (i["sex"], i["classif1"]) == ("SEX_F", case["doubled"]))
    assert {k: women[k] for k in ("ref_area", "source", "classif2", "time", "sheet")} == {
        "ref_area": "THA",
        "source": "BA",
        "classif2": "",
        "time": "2025",
        "sheet": ABROAD,
    }
    assert {"row", "column", "cell", "explanation"} <= set(women)
    assert not [i for i in listed if (i["sex"], i["classif1"]) == ("SEX_M", case["doubled"])]
    # The key filters find the issues about one value.
    one = {"indicator": ABROAD, "sex": "SEX_T", "classif1": case["doubled"], "time": "2025"}
    [total] = api.get(f"/api/v1/submissions/{submission.pk}/issues/", one).json()["results"]
    at = cell_of(case["book"], ABROAD, case["doubled"], "2025||SEX_T").coordinate
    assert (total["rule"], total["sheet"], total["cell"]) == ("change.year_on_year", ABROAD, at)
    assert api.get(f"/api/v1/submissions/{submission.pk}/issues/", {**one, "sex": "SEX_M"}).json()["results"] == []


@pytest.fixture
def submitted(case, focal_point) -> Submission:
    return factories.submit(focal_point, case["submission"])


def test_the_workspace_shows_each_issue_on_its_own_value_only(submitted, case):
    stored = {}
    for issue in submitted.issues.exclude(time=None):
        stored.setdefault(key_of(issue), []).append(issue.message)
    tables = submission_compare(submission=submitted)
    for indicator in (TPOP, ABROAD):
        table = tables[indicator]
        for row in table.rows:
            key = (indicator, row.source, row.sex, row.classif1, row.classif2, row.time)
            assert [i.message for i in row.issues] == stored.get(key, []), key
        # "N flagged" counts this table's values with an issue, nothing from the other table.
        assert table.flagged == len([k for k in stored if k[0] == indicator]) == sum(r.flagged for r in table.rows)
    abroad = {(r.sex, r.classif1, r.time): r for r in tables[ABROAD].rows}
    assert abroad[("SEX_M", case["doubled"], "2025")].issues == []  # its row's women and total have warnings
    assert [i.rule for i in abroad[("SEX_T", case["doubled"], "2025")].issues] == ["change.year_on_year"]
    assert all(not r.issues for (sex, code, _), r in abroad.items() if code == "CRS_RES_TOTAL")  # row 7


def test_the_workspace_page_keeps_the_other_tables_warnings_and_the_submissions_off_the_rows(as_role, submitted):
    tpop_messages = list(submitted.issues.filter(indicator=TPOP).values_list("message", flat=True))
    response = as_role("reviewer").get(reverse("review_workspace", args=[submitted.pk]), {"table": ABROAD})
    page = response.content.decode()
    assert response.status_code == 200
    assert not [m for m in tpop_messages if m in page]
    completeness = submitted.issues.get(rule="completeness").message
    assert page.count(completeness) == 1 and page.index("About the whole submission") < page.index(completeness)
    flagged = {t.indicator: t.flagged for t in response.context["tables"]}
    assert flagged[ABROAD] == submitted.issues.filter(indicator=ABROAD).exclude(time=None).count()
    assert f"{flagged[TPOP]} flagged" in page and f"{flagged[ABROAD]} flagged" in page


def test_a_published_values_history_shows_the_warnings_about_that_value_only(as_role, submitted, reviewer, case):
    submission_approve(user=reviewer, submission=submitted)
    observations_publish(submission_id=submitted.pk)
    client = as_role("fp_tha")

    def warnings_of(sex: str, classif1: str) -> tuple[list[str], str]:
        value = Observation.objects.get(
            is_current=True, indicator=ABROAD, sex=sex, classif1=classif1, classif2="", time="2025"
        )
        response = client.get(f"/observations/{value.pk}/history/")
        return [issue.message for issue, _ in response.context["history"].versions[0].warnings], (
            response.content.decode()
        )

    total, page = warnings_of("SEX_T", case["doubled"])
    expected = submitted.issues.get(indicator=ABROAD, sex="SEX_T", classif1=case["doubled"], time="2025").message
    assert total == [expected] and expected in page
    women = submitted.issues.get(indicator=ABROAD, sex="SEX_F", classif1=case["doubled"], time="2025").message
    assert women not in page
    men, page = warnings_of("SEX_M", case["doubled"])
    assert men == [] and "No warning recorded for this value." in page
    assert warnings_of("SEX_T", "CRS_RES_TOTAL")[0] == []  # row 7, where TPOP's warnings are


@browser.MARKS[1]
@browser.MARKS[2]
def test_in_the_browser_each_table_keeps_its_size_and_its_own_flags(page, live_server, case, focal_point):
    """What the reviewer sees: the partner table's total row carries nothing of the population table's row 7."""
    submission = factories.submit(focal_point, case["submission"])
    factories.make_user("reviewer", "reviewer")
    browser.sign_in(page, live_server.url, "reviewer", f"/review/{submission.pk}/")
    page.goto(f"{live_server.url}/review/{submission.pk}/?table={ABROAD}#table")
    rows = page.locator("table.compare tbody tr")
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 200, max(heights)  # one flag note per warning of the value, none from elsewhere
    total = rows.filter(has_text="CRS_RES_TOTAL").first
    assert total.locator(".flag-note .sev").count() == 0
    browser.shot(page, "10-issues-on-their-own-values-workspace")
    page.goto(f"{live_server.url}/submissions/{submission.pk}/?indicator={ABROAD}#report")
    browser.shot(page, "10-issues-on-their-own-values-report")
    connections.close_all()


def test_issues_stored_before_keys_get_them_from_their_long_layout_row(focal_point, open_round):
    from django.apps import apps

    migration = importlib.import_module("collection.migrations.0009_issue_key")
    rows = sample_rows(table_specs([FORP]).values(), country="THA", years=(2024, 2025))
    broken = next(r for r in rows if r["time"] == "2025" and r["sex"] == "SEX_M" and not r["note"])
    broken["obs_status"] = "B"  # a break without a note: one warning on that row
    submission = factories.validated(focal_point, open_round, rows_to_csv(rows).encode())
    # Issues without keys were stored by portals that staged the rows in the table, where this migration reads.
    staged = staged_frame(submission).with_columns(pl.lit(submission.pk, dtype=pl.Int64).alias("submission_id"))
    bulk_load(StagedObservation, staged)
    issue = submission.issues.get(rule="break.no_note")
    before = key_of(issue)
    submission.issues.update(source=None, sex=None, classif1=None, classif2=None, time=None)
    migration.keys_from_rows(apps, None)
    issue.refresh_from_db()
    assert key_of(issue) == before == (FORP, "BA", "SEX_M", broken["classif1"], "", "2025")
