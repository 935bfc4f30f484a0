"""The registry of rule kinds: every kind declared once, read alike by the worker, the forms that edit rules
and the reviewer's workspace; a new kind needs no change to the generic code."""

from __future__ import annotations

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.models import RuleKind, Submission, TableDefinition, ValidationRule
from collection.review.workspace import change_thresholds
from collection.validation.checks import RuleDef, row_issues
from collection.validation.kinds import KINDS, rule_problems
from collection.validation.kinds.base import Kind, Params, RuleInput
from tests.validation.kind_frames import SEX, apply, context, rows, spec

TEAP, TEMP, TUNE = "MST_TEAP_SEX_AGE_CBR_NB", "MST_TEMP_SEX_AGE_CBR_NB", "MST_TUNE_SEX_AGE_CBR_NB"
FORP, NCIT = "MST_FORP_SEX_CBR_NB", "MFL_NCIT_SEX_CCT_NB"


def test_every_kind_of_the_model_is_declared_and_accepts_its_default_message():
    assert set(KINDS) == set(RuleKind.values) == set(DEFAULT_MESSAGES)
    for name, kind in KINDS.items():
        required = {p: "X" for p, default in kind.params.items() if default is None and p not in kind.optional}
        table = None if kind.whole_submission else TEAP
        rule_problems(ValidationRule(kind=name, params=required, message=DEFAULT_MESSAGES[name], table_id=table))


def test_a_parameter_left_out_is_the_kinds_default():
    resolved = KINDS["year_on_year"].resolve({"threshold_pct": 50, "min_value": None})
    assert (resolved["threshold_pct"], resolved["min_value"]) == (50, 5)
    assert KINDS["additivity"].resolve({})["dimensions"] == ["sex", "classif1", "classif2"]


@pytest.mark.parametrize(
    ("kind", "params", "present", "touched"),
    [
        ("identity", {"total": TEAP, "parts": [TEMP, TUNE]}, {TUNE}, True),
        ("identity", {"total": TEAP, "parts": [TEMP, TUNE]}, {FORP}, False),
        ("bound", {"part": {"indicator": NCIT, "where": {"classif1": "X"}}, "total": TEMP}, {NCIT}, True),
        ("equal_totals", {"reference": TEMP, "others": [{"indicator": NCIT}]}, {NCIT}, True),
        ("year_on_year", {}, {TEAP}, True),
        ("year_on_year", {}, {TEMP}, False),
        ("completeness", {}, set(), True),
    ],
)
def test_a_rule_runs_when_the_file_carries_its_table_or_any_of_its_sides(kind, params, present, touched):
    table = None if KINDS[kind].whole_submission else TEAP
    assert KINDS[kind].touches(RuleDef("r", kind, table, params, "error", ""), present) is touched


def test_a_new_kind_is_run_and_checked_by_its_declaration_alone(monkeypatch):
    def run_at_least(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
        frame = data.new(rule.table)
        return row_issues(
            frame,
            rule=rule.code,
            column="obs_value",
            mask=pl.col("value") < params["minimum"],
            message=pl.lit("low"),
            severity=rule.severity,
        )

    def minimum_problems(params: Params) -> list[str]:
        return [] if isinstance(params.get("minimum", 0), int | float) else ["minimum is a number"]

    monkeypatch.setitem(KINDS, "at_least", Kind(run_at_least, {"minimum": 1.0}, (), check=minimum_problems))
    low = RuleDef("at_least", "at_least", FORP, {}, "warning", "low")
    frame = rows({"indicator": FORP, "obs_value": "0.4"}, {"indicator": FORP, "sex": "SEX_M", "obs_value": "2.1"})
    assert [(i["rule"], i["row"], i["severity"]) for i in apply(low, frame, context(spec(FORP, SEX)))] == [
        ("at_least", 2, "warning")
    ]
    with pytest.raises(ValidationError) as refused:
        rule_problems(ValidationRule(kind="at_least", params={"minimum": "one"}, message="", table_id=FORP))
    assert refused.value.message_dict["params"] == ["Minimum is a number."]


def test_the_workspace_flags_changes_with_the_thresholds_validation_uses(catalogue, open_round):
    tables = list(TableDefinition.objects.filter(indicator__in=[FORP, NCIT]))
    ValidationRule.objects.create(
        code="change.year_on_year", kind="year_on_year", table_id=FORP, round=open_round, params={}, message="{cell}"
    )
    thresholds = change_thresholds(Submission(round=open_round), tables)
    forp = KINDS["year_on_year"].resolve(ValidationRule.objects.get(table_id=FORP, round=open_round).params)
    assert thresholds[FORP] == (forp["threshold_pct"], forp["min_value"]) == (30, 5)
    assert thresholds[NCIT] == (50, 5)  # the catalogue's rule for a flow
