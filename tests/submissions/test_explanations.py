"""Warnings need an answer and sources a description before a submission goes to review."""

from __future__ import annotations

import pytest

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.longlayout import rows_to_csv
from collection.models import ReviewComment, WarningExplanation
from collection.review.decisions import submission_submit
from collection.submissions.explanations import explanation_save, warnings_unanswered
from tests import factories

FORP, TPOP = "MST_FORP_SEX_CBR_NB", "MST_TPOP_SEX_AGE_CBR_NB"


def jumpy_csv() -> bytes:
    """Both small tables for both years, every 2025 value doubled: still consistent, but a jump everywhere."""
    specs = table_specs(factories.SMALL_TABLES)
    rows = sample_rows(specs.values(), country="THA", years=(2024, 2025))
    for r in rows:
        if r["time"] == "2025":
            r["obs_value"] = f"{float(r['obs_value']) * 2:.1f}"
    return rows_to_csv(rows).encode()


@pytest.fixture
def jumpy(focal_point, open_round):
    submission = factories.validated(focal_point, open_round, jumpy_csv())
    assert submission.status == "valid"
    return submission


def test_a_submission_with_warnings_waits_for_their_explanations(focal_point, jumpy):
    warnings = jumpy.issues.filter(severity="warning", rule="change.year_on_year")
    n = warnings.count()
    assert n == jumpy.warning_count and n > 2 and set(warnings.values_list("indicator", flat=True)) == {TPOP, FORP}
    with pytest.raises(PortalError, match=rf"{n} warning\(s\) have no explanation"):
        submission_submit(user=focal_point, submission=jumpy)
    explanation_save(user=focal_point, submission=jumpy, text="Registration drive in 2025.", issue=warnings[0])
    assert warnings_unanswered(jumpy).count() == n - 1
    explanation_save(user=focal_point, submission=jumpy, text="New frame.", rule="change.year_on_year", indicator=FORP)
    assert set(warnings_unanswered(jumpy).values_list("indicator", flat=True)) == {TPOP}
    explanation_save(user=focal_point, submission=jumpy, text="New frame.", rule="change.year_on_year", indicator=TPOP)
    assert warnings_unanswered(jumpy).count() == 0
    assert submission_submit(user=focal_point, submission=jumpy).status == "submitted"


def test_an_answer_for_every_table_covers_the_rule_everywhere(focal_point, jumpy):
    explanation_save(user=focal_point, submission=jumpy, text="Checked.", rule="change.year_on_year")
    assert not warnings_unanswered(jumpy).exists()
    answer = WarningExplanation.objects.get(submission=jumpy, issue=None)
    assert (answer.indicator, answer.author, answer.scope) == ("", focal_point, "every change.year_on_year warning")


def test_explaining_needs_words_and_a_warning_of_this_submission(focal_point, jumpy, tha_valid):
    with pytest.raises(PortalError, match="Write the explanation"):
        explanation_save(user=focal_point, submission=jumpy, text="  ", rule="change.year_on_year")
    with pytest.raises(PortalError, match="no additivity warning"):
        explanation_save(user=focal_point, submission=jumpy, text="x", rule="additivity")
    error_free = jumpy.issues.filter(severity="warning").first()
    with pytest.raises(PortalError, match="Only the warnings of this submission"):
        explanation_save(user=focal_point, submission=tha_valid, text="x", issue=error_free)


def test_only_the_countrys_focal_point_explains(other_focal_point, reviewer, jumpy):
    for user in (other_focal_point, reviewer):
        with pytest.raises(NotAllowed):
            explanation_save(user=user, submission=jumpy, text="x", rule="change.year_on_year")
    assert not WarningExplanation.objects.exists()


def test_explanations_close_once_the_submission_is_sent(focal_point, jumpy):
    factories.submit(focal_point, jumpy)
    with pytest.raises(PortalError, match="while the submission is valid"):
        explanation_save(user=focal_point, submission=jumpy, text="late", rule="change.year_on_year")


def test_the_report_page_takes_and_shows_the_answers(client, focal_point, reviewer, jumpy):
    client.force_login(focal_point)
    page = client.get(f"/submissions/{jumpy.pk}/").content.decode()
    assert "Before you submit" in page and f"{jumpy.warning_count} warning(s) have no explanation yet" in page
    assert "Explain all" in page
    warning = jumpy.issues.filter(severity="warning").first()
    response = client.post(f"/submissions/{jumpy.pk}/explain/", {"issue": warning.pk, "text": "A new register."})
    assert response.status_code == 302
    client.post(f"/submissions/{jumpy.pk}/explain/", {"rule": "change.year_on_year", "text": "Regrouped."})
    page = client.get(f"/submissions/{jumpy.pk}/").content.decode()
    assert "Before you submit" not in page and "Submit for review" in page
    submission_submit(user=focal_point, submission=jumpy)
    client.force_login(reviewer)
    page = client.get(f"/submissions/{jumpy.pk}/?severity=warning").content.decode()
    assert "A new register." in page and "Regrouped." in page


def test_other_countries_cannot_post_answers_or_replies_on_the_page(client, other_focal_point, jumpy):
    client.force_login(other_focal_point)
    for action in ("explain", "comment"):
        assert (
            client.post(f"/submissions/{jumpy.pk}/{action}/", {"text": "x", "rule": "change.year_on_year"}).status_code
            == 404
        )
    assert not WarningExplanation.objects.exists() and not ReviewComment.objects.exists()


def test_the_api_lists_and_takes_answers(api, focal_point, reviewer, jumpy):
    url = f"/api/v1/submissions/{jumpy.pk}/"
    api.force_authenticate(reviewer)
    assert api.post(url + "explanations/", {"rule": "change.year_on_year", "text": "x"}).status_code == 403
    api.force_authenticate(focal_point)
    assert api.post(url + "explanations/", {"text": "x"}).status_code == 400
    assert "no explanation" in api.get(url).json()["missing_before_submit"][0]
    created = api.post(url + "explanations/", {"rule": "change.year_on_year", "text": "Drive."})
    assert created.status_code == 200 and created.json()[0]["text"] == "Drive."
    assert api.get(url).json()["missing_before_submit"] == []
    issues = api.get(url + "issues/", {"severity": "warning"}).json()["results"]
    assert {i["explanation"] for i in issues} == {"Drive."}


def test_every_indicator_needs_its_source_described_before_review(client, focal_point, open_round):
    submission = factories.validated(focal_point, open_round, described=False)
    with pytest.raises(PortalError) as refused:
        submission_submit(user=focal_point, submission=submission)
    assert f"{FORP}, {TPOP}: describe its source type, name, reference period, coverage, migrant definition" in str(
        refused.value
    )
    factories.describe_sources(submission)
    submission.sources.filter(indicator=FORP).update(coverage="")
    with pytest.raises(PortalError, match=f"{FORP}: describe its coverage before submitting"):
        submission_submit(user=focal_point, submission=submission)
    client.force_login(focal_point)
    assert (
        f"{FORP}: describe its coverage before submitting"
        in client.get(f"/submissions/{submission.pk}/").content.decode()
    )


def test_the_focal_point_reads_and_answers_the_reviewers_table_comments(client, focal_point, reviewer, jumpy):
    from collection.review.comments import comment_add

    factories.submit(focal_point, jumpy)
    comment_add(user=reviewer, submission=jumpy, indicator=FORP, text="Why did X triple?")
    client.force_login(focal_point)
    assert "Why did X triple?" in client.get(f"/submissions/{jumpy.pk}/").content.decode()
    client.post(f"/submissions/{jumpy.pk}/comment/", {"indicator": FORP, "text": "A registration drive."})
    thread = list(
        ReviewComment.objects.filter(submission=jumpy, indicator=FORP).values_list("author__username", "text")
    )
    assert thread == [("reviewer", "Why did X triple?"), ("fp_tha", "A registration drive.")]


def test_sources_start_from_the_countrys_latest_descriptions(focal_point, open_round):
    first = factories.validated(focal_point, open_round)  # described in full
    first.sources.filter(indicator=FORP).update(name="Labour Force Survey 2024", coverage="urban areas")
    second = factories.validated(focal_point, open_round, described=False)
    carried = second.sources.get(indicator=FORP)
    assert (carried.name, carried.coverage, carried.source_type_id) == ("Labour Force Survey 2024", "urban areas", "BA")
    assert second.sources.count() == len(second.indicators)
