"""Part-whole rules know rounding: values computed from unrounded microdata and each rounded on its own (as a
statistics office does) pass; a difference beyond what rounding explains is still an error, and says so."""

from __future__ import annotations

import importlib
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.models import ValidationRule
from collection.validation.checks import RuleDef
from collection.validation.kinds import KINDS, rule_problems
from tests import factories
from tests.validation import test_rule_kinds
from tests.validation.test_rule_kinds import ADULTS, ECO, FORP, TEAP, TEMP, TPOP, TUNE, YOUTH
from tests.workbooks import fill, open_book, save

FOREIGN = "CBR_BIR_FOREIGN"
check = test_rule_kinds.check  # the fixture that validates rows with given rules


def office_rounded(rows: list[dict], factor: str = "1.37") -> list[dict]:
    """The same statistics as unrounded microdata (every value times `factor`, so every total is still the exact
    sum of its parts), then each cell rounded to one decimal on its own."""
    out = []
    for row in rows:
        exact = Decimal(row["obs_value"]) * Decimal(factor)
        out.append({**row, "obs_value": str(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))})
    return out


def row(indicator: str, sex: str, classif1: str, value: str, classif2: str = "", time: str = "2025") -> dict:
    source = "FA" if indicator.startswith(("MFL", "MNA")) else "BA"
    return {
        "ref_area": "THA",
        "indicator": indicator,
        "source": source,
        "sex": sex,
        "classif1": classif1,
        "classif2": classif2,
        "time": time,
        "obs_value": value,
        "obs_status": "",
        "note": "",
    }


def rule(kind: str, table: str, **params) -> RuleDef:
    base = ValidationRule.objects.get(kind=kind, table_id=table, round=None, code__in=CODES[kind])
    return RuleDef(base.code, kind, table, {**base.params, **params}, "error", DEFAULT_MESSAGES[kind])


CODES = {
    "additivity": ["additivity"],
    "identity": ["identity.labour_force"],
    "bound": ["bound.youth"],
    "equal_totals": ["equal_totals.employment"],
}


def sex_split(total: str, male: str, female: str, partner: str = "CBR_BRT_TOTAL") -> list[dict]:
    return [row(FORP, "SEX_T", partner, total), row(FORP, "SEX_M", partner, male), row(FORP, "SEX_F", partner, female)]


# Additivity


def test_a_sex_total_off_by_what_rounding_two_parts_explains_passes(check):
    # The issue's example: 2.5 against 1.2 + 1.2 = 2.4 is two values rounded to 0.1 (at most 0.1 together).
    assert check(sex_split("2.5", "1.2", "1.2"), rules=[rule("additivity", FORP, tolerance_pct=0)]) == []


def test_a_sex_total_off_by_more_than_rounding_explains_is_an_error_that_says_the_tolerance(check):
    [found] = check(sex_split("30.4", "15.1", "15.1"), rules=[rule("additivity", FORP)])
    assert (found["rule"], found["severity"], found["row"]) == ("additivity", "error", 2)
    assert "SEX_T is 30.4 but SEX_F + SEX_M add up to 30.2 (difference 0.2)" in found["message"]
    assert (
        "the 0.13 that rounding 2 values to 0.1 (0.1) and the 0.1 % tolerance (0.03) can explain" in (found["message"])
    )


def partners(total: str, each: str = "1.1", count: int = 20) -> list[dict]:
    """A partner-country table's total and its 21 parts: `count` countries and X (other countries)."""
    codes = [c for c in table_specs([FORP])[FORP].dimensions["classif1"].parts if c != "CBR_BRT_THA"][:count]
    return [row(FORP, "SEX_T", "CBR_BRT_TOTAL", total)] + [
        row(FORP, "SEX_T", code, each) for code in [*codes, "CBR_BRT_X"]
    ]


def test_21_partner_countries_at_0_1_may_differ_from_their_total_by_1_05(check):
    exact = [rule("additivity", FORP, tolerance_pct=0, dimensions=["classif1"])]
    assert check(partners("24.15"), rules=exact) == []  # 21 × 1.1 = 23.1: exactly at the boundary, in floats
    assert check(partners("22.05"), rules=exact) == []  # and below the sum
    [found] = check(partners("24.4"), rules=exact)
    assert found["message"].endswith(
        "(difference 1.3) for Total · 2025 (SEX_T, 2025); "
        "that is more than the 1.05 that rounding 21 values to 0.1 can explain."
    )


def test_the_relative_tolerance_comes_on_top_of_rounding(check):
    rules = [rule("additivity", FORP, dimensions=["classif1"])]  # 0.1 % of the total as well
    assert check(partners("24.17"), rules=rules) == []  # 1.07 < 1.05 + 0.024
    [found] = check(partners("24.2"), rules=rules)  # 1.1 > 1.074
    assert "that rounding 21 values to 0.1 (1.05) and the 0.1 % tolerance (0.024) can explain" in found["message"]


def test_the_precision_is_counted_in_the_file_per_table(check):
    rules = [rule("additivity", FORP, tolerance_pct=0, dimensions=["sex"])]
    # Given to 0.01, two parts may be off by 0.01 together: 0.1 is an error.
    [found] = check(sex_split("2.50", "1.20", "1.20"), rules=rules)
    assert "rounding 2 values to 0.01 can explain" in found["message"]
    # In whole thousands the same two parts may be off by 1.
    assert check(sex_split("3", "1", "1"), rules=rules) == []
    # "3" in a table given to 0.1 is 3.0 written short: the table's precision is the one most values show.
    [found] = check([*sex_split("3", "1", "1"), *sex_split("4.5", "2.2", "2.3", "CBR_BRT_LAO")], rules=rules)
    assert "SEX_T is 3 but SEX_F + SEX_M add up to 2" in found["message"]


def test_a_rule_can_say_the_values_are_exact_or_give_the_tables_decimals(check):
    values = sex_split("2.5", "1.2", "1.2")
    [found] = check(values, rules=[rule("additivity", FORP, rounding="none", tolerance_pct=0)])
    assert "that is more than none at all (the rule allows no difference)" in found["message"]
    [found] = check(values, rules=[rule("additivity", FORP, decimals=2, tolerance_pct=0)])
    assert "rounding 2 values to 0.01 can explain" in found["message"]
    assert check(values, rules=[rule("additivity", FORP, decimals=0, tolerance_pct=0)]) == []


# Across tables: identity, equal totals, bound


def labour_force(teap: str, temp: str, tune: str) -> list[dict]:
    return [
        row(TEAP, "SEX_F", YOUTH, teap, FOREIGN),
        row(TEMP, "SEX_F", YOUTH, temp, FOREIGN),
        row(TUNE, "SEX_F", YOUTH, tune, FOREIGN),
    ]


def test_labour_force_identity_allows_rounding_the_two_parts(check):
    exact = [rule("identity", TEAP, tolerance_pct=0)]
    assert check(labour_force("5.0", "4.1", "1.0"), rules=exact) == []  # 0.1: the boundary passes
    [found] = check(labour_force("5.3", "4.1", "1.0"), rules=exact)
    assert (found["indicator"], found["row"]) == (TEAP, 2)
    assert found["message"].endswith(
        "add up to 5.1 (difference 0.2); that is more than the 0.1 that rounding 2 values to 0.1 can explain."
    )


def employment(age_total: str, eco_total: str) -> list[dict]:
    return [row(TEMP, "SEX_M", ADULTS, age_total, FOREIGN), row(ECO, "SEX_M", "ECO_ISIC4_TOTAL", eco_total, FOREIGN)]


def test_the_same_total_in_two_tables_may_differ_only_by_rounding_the_coarser_one(check):
    exact = [rule("equal_totals", TEMP, tolerance_pct=0)]
    assert check(employment("5.3", "5.3"), rules=exact) == []
    assert check(employment("5.5", "5"), rules=exact) == []  # 5 in whole thousands may be 5.5: the boundary
    [found] = check(employment("5.3", "5.4"), rules=exact)  # both to 0.1: the same number cannot differ by 0.1
    assert found["indicator"] == ECO
    assert found["message"].endswith(
        "(difference 0.1); that is more than the 0.05 that rounding 1 value to 0.1 can explain."
    )


def youth(part: str, total: str) -> list[dict]:
    return [row(TPOP, "SEX_T", YOUTH, part, "CBR_BIR_TOTAL"), row(TPOP, "SEX_T", ADULTS, total, "CBR_BIR_TOTAL")]


def test_a_part_may_exceed_its_total_only_by_what_rounding_explains(check):
    bound = [rule("bound", TPOP)]
    assert check(youth("5.0", "5.0"), rules=bound) == []
    assert check(youth("5.05", "5.0"), rules=bound) == []  # the total to 0.1 may be 5.05: at the boundary
    [found] = check(youth("5.1", "5.0"), rules=bound)
    assert found["row"] == 2
    assert found["message"].endswith(
        "which contains it, by 0.1; that is more than the 0.05 that rounding 1 value to 0.1 can explain."
    )


# Whole files filled as an office does


def full_rows(indicators: list[str]) -> list[dict]:
    return office_rounded(sample_rows(table_specs(indicators).values(), country="THA", years=(2024, 2025)))


ABROAD = "MNA_TPOP_SEX_CRS_NB"
TABLES = [TPOP, TEAP, TEMP, TUNE, ECO, FORP, ABROAD]


def largest_difference(rows: list[dict]) -> float:
    """How far the office-rounded partner totals are from their parts (beyond the old fixed 0.1 tolerance)."""
    totals: dict[tuple, float] = {}
    for r in (r for r in rows if r["indicator"] in (FORP, ABROAD)):
        key = (r["indicator"], r["sex"], r["time"])
        sign = 1 if r["classif1"].endswith("_TOTAL") else -1
        totals[key] = totals.get(key, 0.0) + sign * float(r["obs_value"])
    return max(abs(d) for d in totals.values())


def test_an_office_rounded_file_passes_every_rule_of_the_catalogue(check):
    rows = full_rows(TABLES)
    assert largest_difference(rows) > 0.1 + 1e-9  # rounding made differences a fixed 0.1 would call errors
    assert [i for i in check(rows) if i["severity"] == "error"] == []


def test_an_office_rounded_file_with_one_real_error_shows_that_error_only(check):
    rows = full_rows(TABLES)
    wrong = next(r for r in rows if (r["indicator"], r["sex"], r["classif1"]) == (FORP, "SEX_T", "CBR_BRT_TOTAL"))
    wrong["obs_value"] = f"{float(wrong['obs_value']) + 25:.1f}"
    errors = [i for i in check(rows) if i["severity"] == "error"]
    assert {(i["rule"], i["indicator"], i["row"]) for i in errors} >= {("additivity", FORP, rows.index(wrong) + 2)}
    assert all(i["row"] == rows.index(wrong) + 2 for i in errors)
    assert all("that is more than the" in i["message"] for i in errors)


@pytest.fixture
def office_round(catalogue):
    return factories.make_round(tables=TABLES, years=(2024, 2025))


def test_a_workbook_filled_as_a_statistics_office_does_validates_clean(office_round, focal_point):
    from collection.models import Country
    from collection.workbook.build import workbook_build

    book = open_book(workbook_build(round_=office_round, country=Country.objects.get(iso3="THA")))
    fill(book, full_rows(TABLES))
    submission = factories.validated(focal_point, office_round, save(book))
    assert submission.file_format == "workbook"
    assert submission.status == "valid", list(submission.issues.values_list("rule", "sheet", "cell", "message")[:5])
    assert submission.error_count == 0


def test_a_long_layout_file_filled_as_a_statistics_office_does_validates_clean(office_round, focal_point):
    from collection.lib.longlayout import rows_to_csv

    submission = factories.validated(focal_point, office_round, rows_to_csv(full_rows(TABLES)).encode())
    assert submission.status == "valid", list(submission.issues.values_list("rule", "row", "message")[:5])


# The rule's parameters are data that admins edit


def test_the_seeded_part_whole_rules_are_rounding_aware_without_any_parameter(catalogue):
    for kind in CODES:
        for stored in ValidationRule.objects.filter(kind=kind, round=None):
            assert "rounding" not in stored.params and "decimals" not in stored.params
            assert KINDS[kind].params["rounding"] == "auto" and KINDS[kind].params["decimals"] is None


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"rounding": "sometimes"}, 'rounding is "auto" or "none"'),
        ({"decimals": "two"}, "decimals is empty or a whole number from 0 to 6"),
        ({"decimals": 9}, "decimals is empty or a whole number from 0 to 6"),
        ({"rounding": "none", "decimals": 1}, 'but rounding is "none"'),
        ({"tolerance_pct": -1}, "tolerance_pct is a number of 0 or more"),
    ],
)
def test_wrong_rounding_parameters_are_refused_with_what_they_may_be(catalogue, params, says):
    stored = ValidationRule.objects.get(code="additivity", table_id=FORP, round=None)
    stored.params = params
    with pytest.raises(ValidationError) as raised:
        rule_problems(stored)
    assert says in raised.value.message_dict["params"][0].lower()


@pytest.mark.parametrize("params", [{"rounding": "none"}, {"decimals": 1}, {"rounding": "auto", "decimals": 0}])
def test_good_rounding_parameters_are_accepted(catalogue, params):
    stored = ValidationRule.objects.get(code="additivity", table_id=FORP, round=None)
    stored.params = params
    stored.full_clean()
    rule_problems(stored)


def test_an_installation_seeded_earlier_gets_the_new_messages_unless_an_admin_changed_them(catalogue):
    migration = importlib.import_module("collection.migrations.0009_issue_key")
    old, new = migration.MESSAGES["additivity"]
    assert new == DEFAULT_MESSAGES["additivity"]
    untouched = ValidationRule.objects.get(code="additivity", table_id=FORP, round=None)
    edited = ValidationRule.objects.get(code="additivity", table_id=TPOP, round=None)
    ValidationRule.objects.filter(pk=untouched.pk).update(message=old)
    ValidationRule.objects.filter(pk=edited.pk).update(message="Totals must add up: {cell}.")
    migration.messages_forward(apps, None)
    untouched.refresh_from_db()
    edited.refresh_from_db()
    assert (untouched.message, edited.message) == (new, "Totals must add up: {cell}.")
    for kind, (_old, current) in migration.MESSAGES.items():
        assert current == DEFAULT_MESSAGES[kind]
