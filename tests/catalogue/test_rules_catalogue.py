"""Rules are data: seeded for the 16 tables, editable, overridable per round, exported and imported."""

from __future__ import annotations

import json

import pytest
import tablib
from django.core.exceptions import ValidationError

from collection.admin import ValidationRuleForm, ValidationRuleResource
from collection.catalogue.data import STANDARD_TABLES
from collection.catalogue.load import rules_seed
from collection.catalogue.specs import rules_effective
from collection.models import RuleKind, ValidationRule
from collection.validation.kinds import rule_problems
from tests import factories


def test_the_catalogue_has_every_kind_and_each_table_its_own_rules(catalogue):
    rules = ValidationRule.objects.filter(round=None)
    assert set(rules.values_list("kind", flat=True)) == set(RuleKind.values)
    for code in ("additivity", "change.year_on_year", "break.no_note"):
        assert set(rules.filter(code=code).values_list("table", flat=True)) == set(STANDARD_TABLES)
    flows = rules.filter(code="change.year_on_year", table__measure="flow")
    assert {r.params["threshold_pct"] for r in flows} == {50}
    assert {r.params["threshold_pct"] for r in rules.filter(code="change.year_on_year", table__measure="stock")} == {30}
    for rule in rules:
        rule.full_clean()  # every seeded rule is a valid rule
        rule_problems(rule)


def test_seeding_again_adds_what_is_missing_and_keeps_admins_edits(catalogue):
    edited = ValidationRule.objects.get(code="bound.employed_inflow", round=None)
    edited.severity, edited.message = "warning", "{part_table} above {total_table} for {cell}"
    edited.save()
    ValidationRule.objects.filter(code="completeness").delete()
    assert rules_seed() == 1
    edited.refresh_from_db()
    assert (edited.severity, edited.message) == ("warning", "{part_table} above {total_table} for {cell}")


def test_a_rule_with_a_wrong_placeholder_or_parameter_is_refused(catalogue):
    rule = ValidationRule.objects.get(code="identity.labour_force", round=None)
    rule.message = "{total_table} differs in {country}"
    with pytest.raises(ValidationError) as refused:
        rule_problems(rule)
    assert "Unknown placeholder(s) {country}" in str(refused.value)
    rule.message, rule.params = "{total_table}", {"total": rule.table_id, "threshold": 3}
    with pytest.raises(ValidationError) as refused:
        rule_problems(rule)
    assert "Unknown parameter(s) threshold" in str(refused.value) and "missing parameter(s) parts" in str(refused.value)


def test_the_form_that_edits_a_rule_refuses_what_its_kind_does_not_offer(catalogue):
    rule = ValidationRule.objects.get(code="identity.labour_force", round=None)
    fields = ValidationRuleForm(instance=rule).initial
    wrong = {"params": json.dumps({"total": rule.table_id}), "message": "{country}"}
    form = ValidationRuleForm({**fields, **wrong}, instance=rule)
    assert not form.is_valid()
    assert form.errors["params"][0].startswith("Missing parameter(s) parts.")
    assert "Unknown placeholder(s) {country}" in form.errors["message"][0]
    same = ValidationRuleForm({**fields, "params": json.dumps(rule.params), "severity": "warning"}, instance=rule)
    assert same.is_valid(), same.errors
    same.save()
    rule.refresh_from_db()
    assert rule.severity == "warning"


def test_a_round_overrides_a_rule_or_switches_it_off(focal_point, catalogue):
    quiet = factories.make_round(name="Quiet round")
    strict = factories.make_round(name="Strict round")
    base = ValidationRule.objects.get(code="completeness", round=None)
    ValidationRule.objects.create(
        code="completeness", kind="completeness", round=quiet, active=False, message=base.message
    )
    ValidationRule.objects.create(
        code="completeness", kind="completeness", round=strict, severity="error", message="Missing: {missing}."
    )
    partial = factories.sample_csv(years=(2024,))
    assert not factories.validated(focal_point, quiet, partial).issues.filter(rule="completeness").exists()
    refused = factories.validated(focal_point, strict, partial)
    assert refused.status == "invalid"
    assert refused.issues.get(rule="completeness").message.startswith("Missing: MST_TPOP_SEX_AGE_CBR_NB (2025)")
    assert [r.round for r in rules_effective(strict) if r.code == "completeness"] == [strict]
    assert [r.round for r in rules_effective(None) if r.code == "completeness"] == [None]


def test_rules_export_and_import_as_rows(catalogue):
    resource = ValidationRuleResource()
    exported = resource.export(ValidationRule.objects.filter(code="bound.youth"))
    assert len(exported) == 5 and "params" in exported.headers
    rows = tablib.Dataset(headers=exported.headers)
    for row in exported.dict:
        rows.append([{"severity": "warning"}.get(h, row[h]) for h in exported.headers])
    result = resource.import_data(rows, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert set(ValidationRule.objects.filter(code="bound.youth").values_list("severity", flat=True)) == {"warning"}
    broken = tablib.Dataset(headers=exported.headers)
    row = exported.dict[0]
    broken.append([{"message": "{nonsense}"}.get(h, row[h]) for h in exported.headers])
    result = resource.import_data(broken, dry_run=False)
    assert result.has_validation_errors()
    assert not ValidationRule.objects.filter(message="{nonsense}").exists()
