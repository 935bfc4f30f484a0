"""The reviewer's workspace: who may open it, what it compares with the published data, the comment thread per
table, and approving or returning from it. The published history is built the real way: upload, validate,
submit, approve and publish an earlier round."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.longlayout import rows_to_csv
from collection.models import (
    Observation,
    Review,
    ReviewComment,
    Submission,
    ValidationRule,
)
from collection.publication.publish import observations_publish
from collection.review.comments import comment_add
from collection.review.decisions import submission_approve, submission_submit
from collection.review.workspace import Basis, Outcome, series_history, submission_compare
from tests import factories

FORP = "MST_FORP_SEX_CBR_NB"
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"


def submit(user, submission: Submission, *, source_name: str = "Labour Force Survey") -> Submission:
    """Describe every table's source (under `source_name`), answer every warning (one answer per rule), submit."""
    factories.describe_sources(submission)
    submission.sources.update(name=source_name)
    factories.explain_warnings(user, submission, text="Checked with the statistics office.")
    return submission_submit(user=user, submission=submission)


def csv_of(rows: list[dict[str, str]]) -> bytes:
    return rows_to_csv(rows).encode("utf-8")


def rows_for(years: tuple[int, ...]) -> list[dict[str, str]]:
    return sample_rows(table_specs(factories.SMALL_TABLES).values(), country="THA", years=years)


def cell(rows: list[dict[str, str]], sex: str, classif1: str, time: str) -> dict[str, str]:
    return next(r for r in rows if (r["indicator"], r["sex"], r["classif1"], r["time"]) == (FORP, sex, classif1, time))


def shift(rows: list[dict[str, str]], sex: str, code: str, time: str, tenths: int) -> None:
    """Move a value by `tenths` on one partner country for one sex and on its sex total, so totals still add up."""
    for s in (sex, "SEX_T"):
        row = cell(rows, s, code, time)
        row["obs_value"] = f"{(round(float(row['obs_value']) * 10) + tenths) / 10:.1f}"


@pytest.fixture
def published(focal_point, reviewer, catalogue) -> Submission:
    """Thailand's 2023-2024 data, published from an earlier round."""
    earlier = factories.make_round(name="ILMS earlier round", years=(2023, 2024))
    submission = factories.validated(focal_point, earlier, csv_of(rows_for((2023, 2024))))
    submit(focal_point, submission, source_name="Labour Force Survey 2024")
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PUBLISHED
    return submission


def changed_rows() -> dict:
    """The new file's 2025 changes: one partner country doubled (taken from the biggest), one break without note."""
    rows = rows_for((2024, 2025))
    partners = sorted(
        (r for r in rows if r["indicator"] == FORP and r["sex"] == "SEX_M" and r["time"] == "2025"),
        key=lambda r: float(r["obs_value"]),
    )
    partners = [r for r in partners if not r["classif1"].endswith(("_TOTAL", "_X"))]
    doubled, biggest, broken = partners[-3]["classif1"], partners[-1]["classif1"], partners[0]["classif1"]
    tenths = round(float(cell(rows, "SEX_M", doubled, "2025")["obs_value"]) * 10)
    shift(rows, "SEX_M", doubled, "2025", tenths)
    shift(rows, "SEX_M", biggest, "2025", -tenths)
    cell(rows, "SEX_F", broken, "2025")["obs_status"] = "B"  # a break without a note: a warning, no change
    return {"rows": rows, "doubled": doubled, "broken": broken}


@pytest.fixture
def changed(published) -> dict:
    return changed_rows()


@pytest.fixture
def submitted(focal_point, open_round, changed) -> Submission:
    submission = factories.validated(focal_point, open_round, csv_of(changed["rows"]))
    assert submission.status == Submission.Status.VALID, list(submission.issues.values_list("message", flat=True))
    return submit(focal_point, submission, source_name="Labour Force Survey 2025")


def published_value(sex: str, classif1: str, time: str) -> float:
    return Observation.objects.get(
        is_current=True, ref_area="THA", indicator=FORP, sex=sex, classif1=classif1, classif2="", time=time
    ).obs_value


def compared_row(submission: Submission, sex: str, classif1: str, time: str):
    table = submission_compare(submission=submission)[FORP]
    return next(r for r in table.rows if (r.sex, r.classif1, r.time) == (sex, classif1, time))


# Who may open it


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)])
def test_workspace_is_for_reviewers_and_admins(as_role, tha_valid, role, expected):
    assert as_role(role).get(f"/review/{tha_valid.pk}/").status_code == expected


@pytest.mark.parametrize("url", ["/review/{pk}/", f"/review/{{pk}}/?table={FORP}&flagged=1&sort=change"])
def test_anonymous_is_sent_to_the_login_page_from_the_workspace(client, tha_valid, url):
    url = url.format(pk=tha_valid.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 404), ("fp_mys", 404), ("reviewer", 302), ("admin", 302)])
def test_comment_route_is_for_reviewers_and_admins(as_role, tha_valid, role, expected):
    response = as_role(role).post(f"/review/{tha_valid.pk}/comments/", {"indicator": FORP, "text": "Why?"})
    assert response.status_code == expected
    assert ReviewComment.objects.count() == (1 if expected == 302 else 0)
    if expected == 302:
        assert response["Location"] == f"/review/{tha_valid.pk}/?table={FORP}#comments"


def test_anonymous_posting_a_comment_is_sent_to_the_login_page(client, tha_valid):
    url = f"/review/{tha_valid.pk}/comments/"
    response = client.post(url, {"indicator": FORP, "text": "Why?"})
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"
    assert not ReviewComment.objects.exists()


def test_unknown_table_is_a_404(as_role, tha_valid):
    assert as_role("reviewer").get(f"/review/{tha_valid.pk}/?table=NOPE").status_code == 404


# The comparison, from real published data


def test_new_year_is_compared_with_the_published_year_before(submitted, changed):
    row = compared_row(submitted, "SEX_M", changed["doubled"], "2025")
    before = published_value("SEX_M", changed["doubled"], "2024")
    assert row.basis == Basis.PREVIOUS_YEAR and row.published_time == "2024"
    assert row.published == before  # exact: the digits given, no float noise
    assert row.change == row.value - before
    assert row.change_pct == pytest.approx(float((row.value - before) / before * 100))
    assert row.change_pct > 30 and row.large_change
    assert "change.year_on_year" in {i.rule for i in row.issues}
    assert row.severity == "warning"


def test_a_year_already_published_is_a_revision_of_the_same_key(submitted, changed):
    row = compared_row(submitted, "SEX_M", changed["doubled"], "2024")
    assert row.basis == Basis.REVISION and row.published_time == "2024"
    assert row.published == published_value("SEX_M", changed["doubled"], "2024")
    assert row.change == 0 and row.change_pct == 0
    assert not row.flagged


def test_a_rule_on_a_row_flags_it_without_a_large_change(submitted, changed):
    row = compared_row(submitted, "SEX_F", changed["broken"], "2025")
    assert [i.rule for i in row.issues] == ["break.no_note"]
    assert not row.large_change and row.flagged
    # The focal point's rule-level answer travels with the warning.
    assert row.issues[0].explanation.startswith("Checked with the statistics office")


def test_the_round_threshold_decides_what_a_large_change_is(submitted, open_round):
    catalogue_rule = ValidationRule.objects.get(code="change.year_on_year", table_id=FORP, round=None)
    ValidationRule.objects.create(
        code=catalogue_rule.code,
        kind=catalogue_rule.kind,
        table_id=FORP,
        round=open_round,
        params={"threshold_pct": 1, "min_value": 5},
        severity=catalogue_rule.severity,
        message=catalogue_rule.message,
    )
    table = submission_compare(submission=submitted)[FORP]
    assert table.threshold_pct == 1
    quiet = [r for r in table.rows if not r.issues and r.change_pct is not None]
    large = [r for r in quiet if abs(r.change_pct) > 1 and max(r.value, r.published) >= 5]
    assert large, "some ordinary year-on-year moves are beyond 1 %"
    assert all(r.large_change == (r in large) for r in quiet)


def test_table_counts_new_keys_revisions_and_flagged(submitted):
    table = submission_compare(submission=submitted)[FORP]
    years = {r.time for r in table.rows}
    assert years == {"2024", "2025"}
    # The file carries the published 2024 values as they are: unchanged, not revisions.
    assert table.unchanged == sum(r.time == "2024" for r in table.rows) > 0
    assert table.revisions == 0
    assert all(r.outcome == Outcome.UNCHANGED for r in table.rows if r.time == "2024")
    assert table.new_keys == sum(r.time == "2025" for r in table.rows)
    assert all(r.outcome == Outcome.NEW for r in table.rows if r.time == "2025")
    assert table.flagged == sum(r.flagged for r in table.rows) >= 2


def test_a_changed_value_flag_or_note_is_a_revision_and_the_rest_unchanged(focal_point, open_round, published):
    """The pre-filled 2024 values sent again with one tenth moved between two partner countries, a break flag
    and a note: only those keys are revisions, every other value is unchanged."""
    rows = rows_for((2024,))
    partners = [r["classif1"] for r in rows if r["indicator"] == FORP and r["sex"] == "SEX_M" and r["time"] == "2024"]
    other = next(
        c
        for c in partners
        if not c.endswith(("_TOTAL", "_X")) and float(cell(rows, "SEX_M", c, "2024")["obs_value"]) > 1
    )
    shift(rows, "SEX_M", "CBR_BRT_X", "2024", 1)
    shift(rows, "SEX_M", other, "2024", -1)
    cell(rows, "SEX_F", "CBR_BRT_X", "2024").update(obs_status="B", note="new LFS design")
    cell(rows, "SEX_T", "CBR_BRT_TOTAL", "2024")["note"] = "Includes registered refugees."
    expected = {(s, c) for s in ("SEX_M", "SEX_T") for c in ("CBR_BRT_X", other)}
    expected |= {("SEX_F", "CBR_BRT_X"), ("SEX_T", "CBR_BRT_TOTAL")}
    submission = factories.validated(focal_point, open_round, csv_of(rows))
    assert submission.status == Submission.Status.VALID, list(submission.issues.values_list("message", flat=True))
    table = submission_compare(submission=submission)[FORP]
    assert {(r.sex, r.classif1) for r in table.rows if r.outcome == Outcome.REVISED} == expected
    assert (table.revisions, table.unchanged, table.new_keys) == (len(expected), table.row_count - len(expected), 0)
    moved = compared_row(submission, "SEX_M", "CBR_BRT_X", "2024")
    assert moved.change == Decimal("0.1")  # exact, not 0.09999999999999964


def test_without_published_data_nothing_is_compared(tha_valid):
    table = submission_compare(submission=tha_valid)[FORP]
    assert table.rows and all(r.basis == Basis.NONE and r.change is None for r in table.rows)
    assert table.revisions == 0 and table.new_keys == table.row_count


def test_workspace_page_shows_the_flagged_rows_first_when_asked(as_role, submitted, changed):
    response = as_role("reviewer").get(f"/review/{submitted.pk}/?table={FORP}&flagged=1&sort=change")
    page = response.content.decode()
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows and all(r.flagged for r in rows)
    assert rows[0].change_pct == max(abs(r.change_pct or 0) for r in rows)
    assert "flag-warning" in page and "change.year_on_year" in page and "Approve and publish" in page
    assert "Checked with the statistics office" in page  # the focal point's explanation beside the warnings


def test_chart_shows_published_history_and_new_points(as_role, submitted, changed):
    series = f"BA|SEX_M|{changed['doubled']}|"
    history = series_history(submission=submitted, indicator=FORP, series=[series, "broken"])
    assert len(history) == 1
    assert [t for t, _ in history[0].published] == ["2023", "2024"]
    assert [t for t, _ in history[0].new] == ["2024", "2025"]
    page = as_role("reviewer").get(f"/review/{submitted.pk}/", {"table": FORP, "series": series}).content.decode()
    assert 'role="img"' in page and "<title" in page
    assert page.count('class="published" cx=') == 2 and page.count('<rect class="new"') == 2


def test_source_is_compared_with_last_years_field_by_field(as_role, submitted, published):
    response = as_role("reviewer").get(f"/review/{submitted.pk}/", {"table": FORP})
    sources = response.context["sources"]
    assert sources["previous"].submission_id == published.pk
    changed = {f["name"] for f in sources["fields"] if f["changed"]}
    assert changed == {"name"}
    assert "Labour Force Survey 2024" in response.content.decode()


# Comments


def test_reviewer_and_the_countrys_focal_point_comment_on_a_table(submitted, reviewer, focal_point):
    comment_add(user=reviewer, submission=submitted, indicator=FORP, text="  Why did this double?  ")
    comment_add(user=focal_point, submission=submitted, indicator=FORP, text="New register.")
    thread = list(ReviewComment.objects.filter(submission=submitted, indicator=FORP).values_list("author", "text"))
    assert thread == [(reviewer.pk, "Why did this double?"), (focal_point.pk, "New register.")]


def test_another_countrys_focal_point_cannot_comment(submitted, other_focal_point):
    with pytest.raises(NotAllowed):
        comment_add(user=other_focal_point, submission=submitted, indicator=FORP, text="Hello")
    assert not ReviewComment.objects.exists()


@pytest.mark.parametrize(("indicator", "text", "says"), [(FORP, "   ", "empty"), ("NOPE", "Hi", "not a table")])
def test_empty_comment_or_unknown_table_is_refused(as_role, submitted, reviewer, indicator, text, says):
    with pytest.raises(PortalError, match=says):
        comment_add(user=reviewer, submission=submitted, indicator=indicator, text=text)
    response = as_role("reviewer").post(
        f"/review/{submitted.pk}/comments/", {"indicator": indicator, "text": text}, follow=True
    )
    assert says in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_comment_thread_shows_on_its_table_only(as_role, submitted, reviewer):
    comment_add(user=reviewer, submission=submitted, indicator=FORP, text="About partner countries")
    client = as_role("reviewer")
    assert "About partner countries" in client.get(f"/review/{submitted.pk}/?table={FORP}").content.decode()
    assert "About partner countries" not in client.get(f"/review/{submitted.pk}/?table={TPOP}").content.decode()


# Deciding from the workspace


def test_reviewer_approves_from_the_workspace_and_comes_back_to_it(as_role, submitted):
    back = f"/review/{submitted.pk}/?table={FORP}"
    response = as_role("reviewer").post(f"/submissions/{submitted.pk}/approve/", {"comment": "Fine.", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.APPROVED
    assert Review.objects.get(submission=submitted).decision == Review.Decision.APPROVE


def test_reviewer_returns_from_the_workspace_with_a_comment(as_role, submitted):
    back = f"/review/{submitted.pk}/"
    response = as_role("reviewer").post(
        f"/submissions/{submitted.pk}/return/", {"comment": "Check the doubling.", "next": back}
    )
    assert response["Location"] == back
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    assert Review.objects.get(submission=submitted).comment == "Check the doubling."


def test_an_outside_next_is_ignored(as_role, focal_point, tha_valid):
    submission = submit(focal_point, tha_valid)
    response = as_role("reviewer").post(f"/submissions/{submission.pk}/approve/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/submissions/{submission.pk}/"


def test_focal_point_cannot_approve_through_the_workspace_form(as_role, submitted):
    as_role("fp_tha").post(f"/submissions/{submitted.pk}/approve/", {"next": f"/review/{submitted.pk}/"})
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED and not submitted.reviews.exists()


def test_workspace_is_read_only_when_not_submitted(as_role, published):
    page = as_role("reviewer").get(f"/review/{published.pk}/").content.decode()
    assert "read-only" in page and "Approve and publish" not in page and "Return with comment" not in page


# The queue


def test_queue_links_to_the_workspace_oldest_first(as_role, focal_point, other_focal_point, open_round):
    tha = submit(focal_point, factories.validated(focal_point, open_round))
    mys = submit(other_focal_point, factories.validated(other_focal_point, open_round, country="MYS"), source_name="x")
    Submission.objects.filter(pk=tha.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=1))
    Submission.objects.filter(pk=mys.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    response = as_role("reviewer").get("/review/")
    page = response.content.decode()
    assert [s.pk for s in response.context["queue"]] == [mys.pk, tha.pk]
    assert page.index(f'href="/review/{mys.pk}/"') < page.index(f'href="/review/{tha.pk}/"')
    assert "Malaysia" in page and "3\xa0days" in page


def test_once_published_it_is_compared_with_what_it_replaced_not_with_itself(submitted, changed, reviewer, published):
    before = published_value("SEX_M", changed["doubled"], "2024")
    submission_approve(user=reviewer, submission=submitted)
    observations_publish(submission_id=submitted.pk)
    revised = compared_row(submitted, "SEX_M", changed["doubled"], "2024")
    new_year = compared_row(submitted, "SEX_M", changed["doubled"], "2025")
    assert revised.basis == Basis.REVISION and revised.published == before
    assert new_year.basis == Basis.PREVIOUS_YEAR and new_year.published == before
    assert new_year.large_change
    history = series_history(submission=submitted, indicator=FORP, series=[f"BA|SEX_M|{changed['doubled']}|"])[0]
    assert [t for t, _ in history.published] == ["2023", "2024"]
    assert [t for t, _ in history.new] == ["2024", "2025"]
    first = submission_compare(submission=published)[FORP]
    assert all(r.basis == Basis.NONE for r in first.rows)
