"""Additivity alone on a few rows: a total equals the sum of its parts, up to what rounding explains."""

from __future__ import annotations

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.validation.checks import RuleDef
from tests.validation.kind_frames import AGE, BIRTH, SEX, apply, context, rows, spec

FORP = "MST_FORP_SEX_CBR_NB"
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"


def additivity(table: str, **params: object) -> RuleDef:
    return RuleDef("additivity", "additivity", table, params, "error", DEFAULT_MESSAGES["additivity"])


def by_sex(total: str, male: str, female: str, classif1: str = "AGE_YTHADULT_YGE15") -> list[dict]:
    return [
        {"indicator": TPOP, "sex": sex, "classif1": classif1, "obs_value": value}
        for sex, value in (("SEX_T", total), ("SEX_M", male), ("SEX_F", female))
    ]


def test_parts_rounded_to_one_decimal_may_miss_their_total_by_what_rounding_explains(labels):
    # 6.34 + 6.24 = 12.58 thousand persons, each rounded on its own: 12.6 against 6.3 + 6.2 = 12.5.
    issues = apply(additivity(TPOP), rows(*by_sex("12.6", "6.3", "6.2")), context(spec(TPOP, SEX, AGE)))
    assert issues == []


def test_a_total_beyond_rounding_is_an_error_on_the_total(labels):
    frame = rows(*by_sex("12.8", "6.3", "6.2"))
    [found] = apply(additivity(TPOP), frame, context(spec(TPOP, SEX, AGE)))
    assert (found["severity"], found["rule"], found["row"], found["column"]) == ("error", "additivity", 2, "obs_value")
    assert (found["indicator"], found["sex"], found["classif1"], found["time"]) == (
        TPOP,
        "SEX_T",
        "AGE_YTHADULT_YGE15",
        "2025",
    )
    assert found["message"] == (
        "Along sex, the total SEX_T is 12.8 but SEX_F + SEX_M add up to 12.5 (difference 0.3) for 15+ · 2025 "
        "(AGE_YTHADULT_YGE15, 2025); that is more than the 0.113 that rounding 2 values to 0.1 (0.1) and the "
        "0.1 % tolerance (0.013) can explain."
    )


def test_exact_values_leave_only_the_tolerance(labels):
    frame = rows(*by_sex("12.6", "6.3", "6.2"))
    [found] = apply(additivity(TPOP, rounding="none"), frame, context(spec(TPOP, SEX, AGE)))
    assert found["message"].endswith("that is more than the 0.1 % tolerance (0.013).")


def test_a_total_without_all_its_parts_is_not_checked(labels):
    frame = rows(*by_sex("12.8", "6.3", "6.2")[:2])
    assert apply(additivity(TPOP), frame, context(spec(TPOP, SEX, AGE))) == []


def test_only_the_dimensions_the_rule_names_are_added_up(labels):
    frame = rows(*by_sex("12.8", "6.3", "6.2"))
    assert apply(additivity(TPOP, dimensions=["classif1"]), frame, context(spec(TPOP, SEX, AGE))) == []


def test_partner_countries_add_up_over_those_reported_with_x(labels):
    frame = rows(
        {"indicator": FORP, "classif1": "CBR_BRT_TOTAL", "obs_value": "41.2"},
        {"indicator": FORP, "classif1": "CBR_BRT_MMR", "obs_value": "30.5"},
        {"indicator": FORP, "classif1": "CBR_BRT_KHM", "obs_value": "8.1"},
        {"indicator": FORP, "classif1": "CBR_BRT_X", "obs_value": "1.6"},
    )
    ctx = context(spec(FORP, SEX, BIRTH))
    [found] = apply(additivity(FORP), frame, ctx)
    assert found["classif1"] == "CBR_BRT_TOTAL"
    assert "but the 3 partner countries reported (with X) add up to 40.2 (difference 1)" in found["message"]
    frame = frame.with_columns(
        obs_value=frame["obs_value"].replace("41.2", "40.2"), value=frame["value"].replace(41.2, 40.2)
    )
    assert apply(additivity(FORP), frame, ctx) == []
