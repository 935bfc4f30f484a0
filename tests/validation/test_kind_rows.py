"""The kinds about single rows, alone on a few rows: a break without a note, the country among its partners."""

from __future__ import annotations

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.validation.checks import RuleDef
from tests.validation.kind_frames import BIRTH, SEX, apply, context, rows, spec

FORP = "MST_FORP_SEX_CBR_NB"
CTX = (spec(FORP, SEX, BIRTH),)


def rule(kind: str, **params: object) -> RuleDef:
    return RuleDef(kind, kind, FORP, params, "warning", DEFAULT_MESSAGES[kind])


def test_a_break_in_series_needs_a_note(labels):
    frame = rows(
        {"indicator": FORP, "classif1": "CBR_BRT_TOTAL", "obs_value": "41.2", "obs_status": "B"},
        {"indicator": FORP, "classif1": "CBR_BRT_MMR", "obs_value": "30.5", "obs_status": "B", "note": "New frame"},
    )
    [found] = apply(rule("break_without_note"), frame, context(*CTX))
    assert (found["row"], found["column"], found["classif1"]) == (2, "note", "CBR_BRT_TOTAL")
    assert found["message"] == (
        "Total · Total · 2025 (SEX_T, CBR_BRT_TOTAL, 2025) is flagged B (break in series) without a note; say in "
        "the note what changed."
    )


def test_the_reporting_country_is_not_its_own_partner(labels):
    frame = rows(
        {"indicator": FORP, "classif1": "CBR_BRT_MMR", "obs_value": "30.5"},
        {"indicator": FORP, "classif1": "CBR_BRT_THA", "obs_value": "2.0"},
    )
    [found] = apply(rule("own_country_partner"), frame, context(*CTX))
    assert (found["row"], found["column"]) == (3, "classif1")
    assert found["message"] == f"CBR_BRT_THA is the reporting country (THA) itself; {FORP} lists other countries only."
    assert apply(rule("own_country_partner", column="sex"), frame, context(*CTX)) == []  # sex lists no countries
