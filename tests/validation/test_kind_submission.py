"""The kinds about the whole submission, alone: completeness (the requested tables and years that nothing
carries, in one warning about the file) and source metadata (what each indicator's source still lacks)."""

from __future__ import annotations

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.models import ValidationRule
from collection.validation.checks import RuleDef
from collection.validation.kinds.submission import source_gaps
from tests import factories
from tests.validation.kind_frames import SEX, apply, context, rows, spec

FORP, TPOP = "MST_FORP_SEX_CBR_NB", "MST_TPOP_SEX_AGE_CBR_NB"
COMPLETENESS = RuleDef("completeness", "completeness", None, {}, "warning", DEFAULT_MESSAGES["completeness"])


def test_what_neither_the_file_nor_anything_else_carries_is_listed_once():
    frame = rows({"indicator": FORP, "time": "2024", "obs_value": "41.2"})
    [found] = apply(COMPLETENESS, frame, context(spec(TPOP, SEX), spec(FORP, SEX)))
    assert (found["severity"], found["row"], found["indicator"], found["time"]) == ("warning", None, None, None)
    assert found["message"] == (
        "3 requested table-year(s) are missing (not in this file, not awaiting review, not published): "
        f"{TPOP}; {FORP} (2025)."
    )


def test_tables_sent_or_published_elsewhere_count_as_there():
    frame = rows({"indicator": FORP, "time": "2024", "obs_value": "41.2"})
    elsewhere = {(TPOP, "2024"), (TPOP, "2025"), (FORP, "2025")}
    ctx = context(spec(TPOP, SEX), spec(FORP, SEX), reported_elsewhere=elsewhere)
    assert apply(COMPLETENESS, frame, ctx) == []


def test_it_runs_on_a_file_whatever_tables_it_carries():
    ctx = context(spec(TPOP, SEX))
    [found] = apply(COMPLETENESS, rows({"indicator": FORP, "obs_value": "41.2"}), ctx)
    assert found["message"].endswith(f": {TPOP}.")


def test_source_metadata_asks_for_the_fields_the_rule_names(focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    assert source_gaps(submission) == []
    submission.sources.filter(indicator=FORP).update(coverage="", notes="")
    assert source_gaps(submission) == [f"{FORP}: describe its coverage before submitting."]
    ValidationRule.objects.create(
        code="sources.complete",
        kind="source_metadata",
        round=open_round,
        params={"fields": ["name", "notes"]},
        message="{indicator} lacks {missing}.",
    )
    assert source_gaps(submission) == [f"{FORP}, {TPOP} lacks notes."]  # the round's rule replaces the catalogue's
