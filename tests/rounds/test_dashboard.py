"""The completeness dashboard of a round: statuses from real submissions, days overdue, totals, filters, the
XLSX and CSV downloads, the weekly progress, the htmx refresh, and who may open it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine

from collection.models import Country, Round
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_return
from collection.rounds.completeness import DashboardFilter, progress_chart, round_completeness, round_progress
from collection.rounds.lifecycle import round_extend, round_move
from collection.validation.run import submission_validate
from tests import factories

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
POPULATION, FOREIGN_BORN = factories.SMALL_TABLES  # MST_TPOP_SEX_AGE_CBR_NB, MST_FORP_SEX_CBR_NB
COUNTRIES = ("THA", "MYS", "IDN", "PHL", "VNM", "SGP", "KHM")
DEADLINE = dt.date(2027, 1, 31)  # the factories' round


def only(country: str, indicator: str) -> bytes:
    return factories.sample_csv(country, [indicator])


def broken(country: str, indicator: str) -> bytes:
    """A file whose tables are recognised but whose sex codes are not: the worker finds it invalid."""
    return only(country, indicator).replace(b"SEX_M", b"SEX_X")


def publish(admin, reviewer, round_, country: str, content: bytes):
    submission = factories.submit(admin, factories.validated(admin, round_, content, country=country))
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def round_(catalogue):
    return factories.make_round(countries=COUNTRIES)


@pytest.fixture
def mix(round_, admin_user, reviewer) -> dict[str, object]:
    """Every status, from submissions moved by the services as people would move them (admins may upload
    for any country)."""
    a = admin_user
    published = publish(a, reviewer, round_, "THA", only("THA", POPULATION))
    returned = factories.submit(a, factories.validated(a, round_, only("THA", FOREIGN_BORN), country="THA"))
    submission_return(user=reviewer, submission=returned, comment="Check the totals.")
    submitted = factories.submit(a, factories.validated(a, round_, country="MYS"))
    invalid = factories.validated(a, round_, broken("IDN", POPULATION), country="IDN")
    uploaded = factories.upload(a, round_, factories.sample_csv("PHL"), country="PHL")
    approved = factories.submit(a, factories.validated(a, round_, country="SGP"))
    submission_approve(user=a, submission=approved)
    valid = factories.validated(a, round_, only("KHM", FOREIGN_BORN), country="KHM")
    return {
        "published": published,
        "returned": returned,
        "submitted": submitted,
        "invalid": invalid,
        "uploaded": uploaded,
        "approved": approved,
        "valid": valid,
    }


def statuses(board) -> dict[str, str]:
    return {cell.key: cell.status for row in board.rows for cell in row.cells}


# Statuses


def test_each_cell_has_the_status_of_its_latest_submission(mix, round_):
    assert mix["invalid"].status == "invalid" and mix["invalid"].indicators == [POPULATION]
    cells = statuses(round_completeness(round_))
    assert cells == {
        f"THA:{POPULATION}": "published",
        f"THA:{FOREIGN_BORN}": "returned",
        f"MYS:{POPULATION}": "submitted",
        f"MYS:{FOREIGN_BORN}": "submitted",
        f"IDN:{POPULATION}": "invalid",
        f"IDN:{FOREIGN_BORN}": "not_started",
        f"PHL:{POPULATION}": "uploaded",
        f"PHL:{FOREIGN_BORN}": "uploaded",
        f"VNM:{POPULATION}": "not_started",
        f"VNM:{FOREIGN_BORN}": "not_started",
        f"SGP:{POPULATION}": "approved",
        f"SGP:{FOREIGN_BORN}": "approved",
        f"KHM:{POPULATION}": "not_started",
        f"KHM:{FOREIGN_BORN}": "valid",
    }


def test_a_newer_upload_shows_until_the_worker_has_read_it(mix, round_, admin_user):
    newer = factories.upload(admin_user, round_, only("THA", FOREIGN_BORN), country="THA")
    board = round_completeness(round_)
    assert statuses(board)[f"THA:{POPULATION}"] == "uploaded"
    submission_validate(submission_id=newer.pk)
    assert statuses(round_completeness(round_))[f"THA:{POPULATION}"] == "published"
    assert statuses(round_completeness(round_))[f"THA:{FOREIGN_BORN}"] == "valid"


def test_the_page_shows_each_cell_as_a_labelled_badge_linking_to_its_submission(as_role, mix, round_):
    page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    cell = re.search(rf'<td [^>]*data-cell="THA:{FOREIGN_BORN}" data-status="returned"[^>]*>(.*?)</td>', page, re.S)
    assert cell, "the returned table's cell"
    assert f'href="/submissions/{mix["returned"].pk}/"' in cell.group(1) and "Returned" in cell.group(1)
    untouched = re.search(rf'data-cell="VNM:{POPULATION}" data-status="not_started"[^>]*>(.*?)</td>', page, re.S)
    assert "Not started" in untouched.group(1) and "href" not in untouched.group(1)
    assert f'title="Working-age population by sex, age and place of birth ({POPULATION})"' in page
    assert "TPOP AGE CBR" in page  # the short code in the column head


# Days overdue


def test_nothing_is_overdue_before_the_deadline(mix, round_):
    with time_machine.travel(dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC), tick=False):
        board = round_completeness(round_)
    assert board.overdue == 0 and all(row.days_overdue == 0 for row in board.rows)


def test_tables_not_yet_submitted_are_overdue_after_the_deadline(mix, round_):
    with time_machine.travel(dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        board = round_completeness(round_)
    rows = {row.iso3: row for row in board.rows}
    overdue = {cell.key: cell.days_overdue for row in board.rows for cell in row.cells if cell.overdue}
    # Submitted, approved and published tables are the ILO's to finish; everything else is late.
    assert overdue == {
        f"THA:{FOREIGN_BORN}": 10,
        f"IDN:{POPULATION}": 10,
        f"IDN:{FOREIGN_BORN}": 10,
        f"PHL:{POPULATION}": 10,
        f"PHL:{FOREIGN_BORN}": 10,
        f"VNM:{POPULATION}": 10,
        f"VNM:{FOREIGN_BORN}": 10,
        f"KHM:{POPULATION}": 10,
        f"KHM:{FOREIGN_BORN}": 10,
    }
    assert (rows["THA"].days_overdue, rows["THA"].overdue) == (10, 1)
    assert (rows["MYS"].days_overdue, rows["SGP"].days_overdue) == (0, 0)
    assert board.overdue == 9


def test_a_country_with_a_later_deadline_is_not_overdue(mix, round_, admin_user):
    round_extend(user=admin_user, round_=round_, deadline=dt.date(2027, 2, 15), country=Country.objects.get(iso3="VNM"))
    with time_machine.travel(dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        board = round_completeness(round_)
        later = round_completeness(round_, today=dt.date(2027, 2, 20))
    rows = {row.iso3: row for row in board.rows}
    assert rows["VNM"].deadline == dt.date(2027, 2, 15) and rows["VNM"].days_overdue == 0
    assert rows["KHM"].deadline == DEADLINE and rows["KHM"].days_overdue == 10
    assert {row.iso3: row.days_overdue for row in later.rows}["VNM"] == 5


def test_the_page_shows_deadlines_and_days_overdue(as_role, mix, round_, admin_user):
    round_extend(user=admin_user, round_=round_, deadline=dt.date(2027, 2, 15), country=Country.objects.get(iso3="VNM"))
    with time_machine.travel(dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    khm = re.search(r'<tr data-country="KHM">(.*?)</tr>', page, re.S).group(1)
    vnm = re.search(r'<tr data-country="VNM">(.*?)</tr>', page, re.S).group(1)
    assert "due 31 Jan 2027" in khm and "10 days overdue" in khm and "2 overdue" in khm
    assert "due 15 Feb 2027" in vnm and "days overdue" not in vnm


# Totals


def test_totals_per_status_row_and_column(mix, round_):
    board = round_completeness(round_)
    assert board.total == 14
    assert board.counts == {
        "not_started": 4,
        "uploaded": 2,
        "invalid": 1,
        "valid": 1,
        "returned": 1,
        "submitted": 2,
        "approved": 2,
        "published": 1,
    }
    rows = {row.iso3: row for row in board.rows}
    assert (rows["THA"].published, len(rows["THA"].cells)) == (1, 2)
    columns = {c.indicator: c for c in board.columns}
    assert (columns[POPULATION].published, columns[FOREIGN_BORN].published) == (1, 0)
    with time_machine.travel(dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        late = round_completeness(round_)
    assert {c.indicator: c.overdue for c in late.columns} == {POPULATION: 4, FOREIGN_BORN: 5}


def test_a_table_published_in_the_round_counts_as_published_while_a_newer_file_is_reviewed(
    as_role, round_, admin_user, reviewer
):
    """The totals never say '0 published' beside a chart of publications: a correction returned, or waiting
    for review, leaves the table published in the round, and its cell shows the newer file's status."""
    publish(admin_user, reviewer, round_, "THA", only("THA", POPULATION))
    correction = factories.submit(admin_user, factories.validated(admin_user, round_, only("THA", POPULATION)))
    submission_return(user=reviewer, submission=correction, comment="The 15-24 split looks off.")
    board = round_completeness(round_)
    assert statuses(board)[f"THA:{POPULATION}"] == "returned"
    rows = {row.iso3: row for row in board.rows}
    assert (board.published, rows["THA"].published, board.published_percent) == (1, 1, 7)
    assert {c.indicator: c.published for c in board.columns}[POPULATION] == 1
    page = as_role("reviewer").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    assert "<strong>1 of 14</strong> tables published" in page


def test_the_page_shows_the_totals(as_role, mix, round_):
    page = as_role("reviewer").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    assert "<strong>1 of 14</strong> tables published" in page
    assert re.search(r'data-summary="not_started">.*?<strong>4</strong>', page, re.S)
    assert re.search(r'<tr data-country="THA">.*?<strong>1/2</strong>', page, re.S)
    assert f'data-column-published="{POPULATION}">1/7<' in page


# Filters


def test_filter_by_status_keeps_the_countries_with_such_a_table(mix, round_):
    board = round_completeness(round_, filters=DashboardFilter(status="not_started"))
    assert [row.iso3 for row in board.rows] == ["KHM", "IDN", "VNM"]  # by country name
    assert sorted(cell.key for _, cell in board.matching_cells()) == sorted(
        [f"IDN:{FOREIGN_BORN}", f"VNM:{POPULATION}", f"VNM:{FOREIGN_BORN}", f"KHM:{POPULATION}"]
    )
    assert board.counts["published"] == 1  # the summary stays the round's


def test_filter_by_country_and_only_overdue(mix, round_):
    assert [row.iso3 for row in round_completeness(round_, filters=DashboardFilter(country="THA")).rows] == ["THA"]
    late = DashboardFilter(overdue=True)
    assert round_completeness(round_, filters=late).rows == []
    board = round_completeness(round_, filters=DashboardFilter(country="THA", overdue=True), today=dt.date(2027, 2, 1))
    assert [cell.key for _, cell in board.matching_cells()] == [f"THA:{FOREIGN_BORN}"]


def test_unknown_filter_values_are_ignored(as_role, mix, round_):
    response = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/?status=lost&country=FRA&overdue=yes")
    assert response.status_code == 200
    assert response.context["board"].filters == DashboardFilter()
    assert len(response.context["board"].rows) == len(COUNTRIES)


def test_the_page_filters_and_dims_the_cells_that_do_not_match(as_role, mix, round_):
    page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/?status=returned").content.decode()
    assert re.findall(r'<tr data-country="(\w+)">', page) == ["THA"]
    assert re.search(rf'class="cell dim" data-cell="THA:{POPULATION}"', page)
    assert re.search(rf'class="cell" data-cell="THA:{FOREIGN_BORN}"', page)
    assert f'/rounds/{round_.pk}/dashboard/xlsx/?status=returned"' in page  # the download keeps the filter
    empty = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/?status=returned&country=MYS").content.decode()
    assert "No table matches these filters" in empty


# Downloads


def test_xlsx_download_has_one_line_per_country_and_table(as_role, mix, round_):
    with time_machine.travel(dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        response = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="ilms-test-round-completeness-2027-02-10.xlsx"'
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0] == (
        "Country",
        "Country name",
        "Table",
        "Table title",
        "Status",
        "Submission",
        "Status changed at",
        "Deadline",
        "Days overdue",
    )
    assert len(rows) == 1 + 14
    tha = next(r for r in rows if r[0] == "THA" and r[2] == POPULATION)
    assert tha[1:3] == ("Thailand", POPULATION) and tha[4] == "Published" and tha[5] == mix["published"].pk
    assert isinstance(tha[6], dt.datetime) and tha[7] == dt.datetime(2027, 1, 31) and tha[8] == 0
    vnm = next(r for r in rows if r[0] == "VNM" and r[2] == POPULATION)
    assert vnm[4:7] == ("Not started", None, None) and vnm[8] == 10


def test_csv_download_honours_the_filters(as_role, mix, round_):
    response = as_role("reviewer").get(f"/rounds/{round_.pk}/dashboard/csv/?status=submitted")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ilms-test-round-completeness-')
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Country"], r["Table"], r["Status"]) for r in lines] == [
        ("MYS", POPULATION, "Submitted"),
        ("MYS", FOREIGN_BORN, "Submitted"),
    ]
    assert lines[0]["Submission"] == str(mix["submitted"].pk) and lines[0]["Deadline"] == "2027-01-31"
    assert lines[0]["Country name"] == "Malaysia" and lines[0]["Days overdue"] == "0"


def test_other_download_formats_are_404(as_role, round_):
    assert as_role("admin").get(f"/rounds/{round_.pk}/dashboard/pdf/").status_code == 404


# Progress over time


def test_progress_counts_first_publications_per_week(round_, admin_user, reviewer):
    """Opened on Wednesday 6 Jan 2027; tables published in the first and third weeks; republishing
    a table does not count it again."""
    Round.objects.filter(pk=round_.pk).update(opened_at=dt.datetime(2027, 1, 6, 9, tzinfo=dt.UTC))
    round_.refresh_from_db()
    with time_machine.travel(dt.datetime(2027, 1, 7, 10, tzinfo=dt.UTC), tick=False):
        publish(admin_user, reviewer, round_, "THA", factories.sample_csv("THA"))
    with time_machine.travel(dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        publish(admin_user, reviewer, round_, "MYS", only("MYS", POPULATION))
        publish(admin_user, reviewer, round_, "THA", factories.sample_csv("THA", seed=2))
    weeks = round_progress(round_, today=dt.date(2027, 1, 27))
    assert [(w.start, w.published, w.cumulative) for w in weeks] == [
        (dt.date(2027, 1, 4), 2, 2),
        (dt.date(2027, 1, 11), 0, 2),
        (dt.date(2027, 1, 18), 1, 3),
        (dt.date(2027, 1, 25), 0, 3),
    ]
    chart = progress_chart(weeks)
    assert len(chart.bars) == 4 and chart.y_ticks[-1][1] == 4
    assert chart.bars[0].height > chart.bars[2].height > chart.bars[1].height == 0


def test_progress_stops_at_the_closing_of_the_round(round_, admin_user):
    Round.objects.filter(pk=round_.pk).update(opened_at=dt.datetime(2027, 1, 6, 9, tzinfo=dt.UTC))
    round_.refresh_from_db()
    with time_machine.travel(dt.datetime(2027, 1, 14, 10, tzinfo=dt.UTC), tick=False):
        round_move(user=admin_user, round_=round_, action="close")
    weeks = round_progress(round_, today=dt.date(2027, 3, 1))
    assert [w.start for w in weeks] == [dt.date(2027, 1, 4), dt.date(2027, 1, 11)]
    assert progress_chart(weeks) is None  # nothing published: the page says so


def test_the_page_draws_the_progress_chart_or_says_nothing_is_published(as_role, mix, round_):
    page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    assert '<svg class="progress-chart"' in page and '<title id="progress-svg-title">' in page
    assert "The numbers, week by week" in page
    other = factories.make_round(name="Empty round")
    empty = as_role("admin").get(f"/rounds/{other.pk}/dashboard/").content.decode()
    assert "Nothing published in this round yet" in empty and "<svg" not in empty


# Live refresh


def test_the_matrix_polls_itself_every_ten_seconds(as_role, round_):
    page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/?country=THA").content.decode()
    box = re.search(r'<div id="dashboard-matrix"[^>]*>', page, re.S).group(0)
    assert f'hx-get="/rounds/{round_.pk}/dashboard/?country=THA"' in box and 'hx-trigger="every 10s"' in box


def test_the_htmx_refresh_returns_only_the_matrix_and_the_summary(as_role, round_, admin_user):
    client = as_role("admin")
    before = client.get(f"/rounds/{round_.pk}/dashboard/", HTTP_HX_REQUEST="true").content.decode()
    assert f'data-cell="THA:{POPULATION}" data-status="not_started"' in before
    assert "<html" not in before and "progress-chart" not in before
    assert 'id="dashboard-summary" class="dashboard-summary" hx-swap-oob="true"' in before
    factories.upload(admin_user, round_, factories.sample_csv("THA"), country="THA")
    after = client.get(f"/rounds/{round_.pk}/dashboard/", HTTP_HX_REQUEST="true").content.decode()
    assert f'data-cell="THA:{POPULATION}" data-status="uploaded"' in after


def test_an_archived_round_does_not_poll(as_role, round_, admin_user):
    round_move(user=admin_user, round_=round_, action="close")
    round_move(user=admin_user, round_=round_, action="archive")
    page = as_role("admin").get(f"/rounds/{round_.pk}/dashboard/").content.decode()
    assert "hx-trigger" not in page


# Access

PAGES = ["/rounds/{pk}/dashboard/", "/rounds/{pk}/dashboard/xlsx/", "/rounds/{pk}/dashboard/csv/"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)])
def test_the_dashboard_is_for_ilo_staff(as_role, open_round, url, role, expected):
    assert as_role(role).get(url.format(pk=open_round.pk)).status_code == expected


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_the_login_page(as_role, open_round, url):
    url = url.format(pk=open_round.pk)
    response = as_role("anonymous").get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ROLES)
def test_a_round_that_does_not_exist_is_404(as_role, catalogue, role):
    response = as_role(role).get("/rounds/999999/dashboard/", follow=True)
    assert response.status_code == (200 if role == "anonymous" else 404)  # anonymous: the login page first


def test_a_draft_round_is_for_admins_only(as_role, catalogue):
    draft = factories.make_round(status=Round.Status.DRAFT)
    assert as_role("reviewer").get(f"/rounds/{draft.pk}/dashboard/").status_code == 404
    assert as_role("admin").get(f"/rounds/{draft.pk}/dashboard/").status_code == 200
