"""Labels first, codes second: the one helper that turns a key into words, and the pages that read with it (the
report, the reviewer's workspace, a value's history)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from collection.lib.labels import catalogue_labels, code_label, key_code_text, key_label
from collection.models import Code, Observation
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.review.test_review_workspace import TPOP, csv_of, rows_for, submit

CELL = {"classif1": "AGE_YTHADULT_YGE15", "classif2": "CBR_BIR_FOREIGN", "sex": "SEX_F", "time": "2025"}
CELL_WORDS = "15+ · Foreign-born · Female · 2025"
CELL_CODES = "AGE_YTHADULT_YGE15 · CBR_BIR_FOREIGN · SEX_F · 2025"


def test_a_key_reads_as_its_labels_breakdowns_then_sex_then_year(catalogue):
    assert key_label(CELL) == CELL_WORDS
    assert key_code_text(CELL) == CELL_CODES
    one_breakdown = {"sex": "SEX_M", "classif1": "CBR_BRT_MMR", "classif2": "", "time": "2024"}
    assert key_label(one_breakdown) == "Myanmar · Male · 2024"


def test_codes_of_every_kind_have_their_label_and_an_unknown_code_stays_as_it_is(catalogue):
    assert code_label("SEX_T") == "Total"
    assert code_label("BA") == "Labour force survey"
    assert code_label("THA") == "Thailand"
    assert code_label(TPOP) == "Working-age population by sex, age and place of birth"
    assert code_label("SEX_Z") == "SEX_Z" and code_label("") == "" and code_label(None) == ""


def test_the_catalogue_is_read_once_not_once_per_cell(catalogue):
    catalogue_labels()  # the first page after a change reads it
    with CaptureQueriesContext(connection) as queries:
        for time in range(2000, 2100):
            key_label({**CELL, "time": str(time)})
    assert len(queries) == 0


def test_a_label_changed_by_an_admin_shows_at_once(catalogue):
    assert code_label("CBR_BIR_X") == "Place of birth unknown"
    code = Code.objects.get(code="CBR_BIR_X")
    code.label = "Place of birth not stated"
    code.save()
    assert code_label("CBR_BIR_X") == "Place of birth not stated"


def test_the_template_tags_put_the_label_first_and_the_code_on_hover_or_in_small_print(catalogue):
    html = Template("{% load portal_tags %}{% cell_label key %}|{% cell_label key codes='small' %}|{% coded 'SEX_F' %}")
    hover, small, coded = html.render(Context({"key": CELL})).split("|")
    assert hover == f'<span class="cell-label" title="{CELL_CODES}">{CELL_WORDS}</span>'
    assert small == f'{hover} <small class="code">{CELL_CODES}</small>'
    assert coded == 'Female <small class="code">SEX_F</small>'


@pytest.fixture
def submitted(focal_point, catalogue):
    round_ = factories.make_round(years=(2024, 2025))
    return submit(focal_point, factories.validated(focal_point, round_, csv_of(rows_for((2024, 2025)))))


def test_the_workspace_shows_each_row_as_words_with_its_codes_in_small_print(as_role, submitted):
    page = as_role("reviewer").get(f"/review/{submitted.pk}/", {"table": TPOP}).content.decode()
    cell = f'<span class="cell-label" title="{CELL_CODES}">{CELL_WORDS}</span> <small class="code">{CELL_CODES}</small>'
    assert cell in page
    assert re.search(r'<span title="BA">Labour force survey</span>', page)
    assert "<code>SEX_F</code>" not in page  # no bare code where people read


def test_the_report_names_each_table_by_its_title_with_the_code_beside_it(as_role, focal_point, open_round):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1)
    submission = factories.validated(focal_point, open_round, bad)
    page = as_role("fp_tha").get(f"/submissions/{submission.pk}/").content.decode()
    title = code_label(TPOP)
    assert f'>{title}</a> <small class="code">{TPOP}</small>' in page  # the summary by table
    assert f'<small title="{TPOP}">{title}</small>' in page  # each issue's table
    assert f"{title} ({TPOP})</option>" in page  # the filter


def test_an_issue_on_a_value_shows_that_value_in_words(as_role, focal_point, open_round):
    rows = rows_for((2024, 2025))
    total = next(r for r in rows if (r["indicator"], r["sex"], r["time"]) == (TPOP, "SEX_T", "2025"))
    total["obs_value"] = f"{float(total['obs_value']) + 50:.1f}"  # a total that no rounding explains
    submission = factories.validated(focal_point, open_round, csv_of(rows))
    issue = submission.issues.filter(indicator=TPOP, sex="SEX_T", time="2025").first()
    assert issue is not None
    page = as_role("fp_tha").get(f"/submissions/{submission.pk}/?indicator={TPOP}").content.decode()
    assert f'<span class="cell-label" title="{key_code_text(issue)}">{key_label(issue)}</span>' in page


def test_a_values_history_reads_in_words_with_the_codes_in_small_print(as_role, submitted, reviewer):
    submission_approve(user=reviewer, submission=submitted)
    observations_publish(submission_id=submitted.pk)
    value = Observation.objects.get(is_current=True, indicator=TPOP, ref_area="THA", source="BA", **CELL)
    page = as_role("reviewer").get(f"/observations/{value.pk}/history/").content.decode()
    assert (
        f'<span class="cell-label" title="{CELL_CODES}">{CELL_WORDS}</span> <small class="code">{CELL_CODES}</small>'
        in page
    )
    assert f'{code_label(TPOP)} <small class="code">{TPOP}</small>' in page
    assert 'Labour force survey <small class="code">BA</small>' in page and "<dd>Thailand</dd>" in page
