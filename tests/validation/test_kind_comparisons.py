"""Identity, bound and equal totals alone on a few rows: cell by cell across tables, with the published values
for the tables the file does not carry."""

from __future__ import annotations

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.validation.checks import RuleDef
from tests.validation.kind_frames import AGE, SEX, apply, context, published, rows, spec

TEAP, TEMP, TUNE = "MST_TEAP_SEX_AGE_CBR_NB", "MST_TEMP_SEX_AGE_CBR_NB", "MST_TUNE_SEX_AGE_CBR_NB"
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"
ADULTS, YOUTH = "AGE_YTHADULT_YGE15", "AGE_YTHADULT_Y15-24"
TABLES = [spec(t, SEX, AGE) for t in (TEAP, TEMP, TUNE, TPOP)]


def rule(kind: str, table: str, **params: object) -> RuleDef:
    return RuleDef(f"{kind}.test", kind, table, params, "error", DEFAULT_MESSAGES[kind])


def cell(indicator: str, value: str, classif1: str = ADULTS, sex: str = "SEX_F") -> dict:
    return {"indicator": indicator, "sex": sex, "classif1": classif1, "obs_value": value}


LABOUR_FORCE = rule("identity", TEAP, total=TEAP, parts=[TEMP, TUNE])


def test_labour_force_is_employed_plus_unemployed_up_to_rounding(labels):
    # 402.34 + 21.44 = 423.78 thousand, each rounded to one decimal on its own.
    frame = rows(cell(TEAP, "423.8"), cell(TEMP, "402.3"), cell(TUNE, "21.4"))
    assert apply(LABOUR_FORCE, frame, context(*TABLES)) == []


def test_a_labour_force_beyond_its_parts_is_an_error_on_the_labour_force(labels):
    frame = rows(cell(TEAP, "425.8"), cell(TEMP, "402.3"), cell(TUNE, "21.4"))
    [found] = apply(LABOUR_FORCE, frame, context(*TABLES))
    assert (found["row"], found["indicator"], found["sex"], found["classif1"]) == (2, TEAP, "SEX_F", ADULTS)
    assert found["message"].startswith(
        f"{TEAP} is 425.8 for 15+ · Female · 2025 (SEX_F, {ADULTS}, 2025) but {TEMP} + {TUNE} add up to 423.7 "
        "(difference 2.1); that is more than the "
    )


def test_a_table_sent_alone_is_compared_with_the_published_parts(labels):
    before = published(cell(TEMP, "402.3"), cell(TUNE, "21.4"))
    ctx = context(*TABLES, published=before)
    [found] = apply(LABOUR_FORCE, rows(cell(TEAP, "430.0")), ctx)
    assert found["row"] == 2 and "(difference 6.3)" in found["message"]
    # A file with none of the rule's tables leaves the published ones alone, even when they disagree.
    assert apply(LABOUR_FORCE, rows(cell(TPOP, "900.0")), ctx) == []


def test_youth_never_exceed_the_15_plus_total(labels):
    youth = rule(
        "bound",
        TPOP,
        part={"indicator": TPOP, "where": {"classif1": YOUTH}},
        total={"indicator": TPOP, "where": {"classif1": ADULTS}},
    )
    assert apply(youth, rows(cell(TPOP, "88.4", YOUTH), cell(TPOP, "512.0")), context(*TABLES)) == []
    [found] = apply(youth, rows(cell(TPOP, "512.4", YOUTH), cell(TPOP, "512.0")), context(*TABLES))
    assert (found["row"], found["classif1"]) == (2, YOUTH)
    assert found["message"].startswith(
        f"{TPOP} ({YOUTH}) is 512.4 for Female · 2025 (SEX_F, 2025), more than {TPOP} ({ADULTS}) (512) which "
        "contains it, by 0.4; that is more than the 0.05 that rounding 1 value to 0.1 can explain."
    )


def test_a_part_below_its_total_by_any_amount_passes_the_bound(labels):
    bound = rule("bound", TEAP, part=TEAP, total=TPOP)
    assert apply(bound, rows(cell(TEAP, "1.0"), cell(TPOP, "512.0")), context(*TABLES)) == []


def test_the_same_total_in_two_tables_agrees_cell_by_cell(labels):
    employment = rule(
        "equal_totals",
        TEMP,
        reference={"indicator": TEMP, "where": {"classif1": ADULTS}},
        others=[{"indicator": TEAP, "where": {"classif1": ADULTS}}],
    )
    assert apply(employment, rows(cell(TEMP, "402.3"), cell(TEAP, "402.3")), context(*TABLES)) == []
    [found] = apply(employment, rows(cell(TEMP, "402.3"), cell(TEAP, "410.3")), context(*TABLES))
    assert (found["row"], found["indicator"]) == (3, TEAP)  # the table that disagrees with the reference
    assert found["message"].startswith(
        f"{TEAP} ({ADULTS}) gives 410.3 for Female · 2025 (SEX_F, 2025) but {TEMP} ({ADULTS}) gives 402.3 "
        "(difference 8); that is more than "
    )


def test_a_bound_without_its_part_or_a_table_finds_nothing_instead_of_failing(labels):
    # rule_problems refuses such a rule; a stored one from before the check stays harmless.
    tableless = RuleDef("bound.test", "bound", None, {"total": TPOP}, "error", DEFAULT_MESSAGES["bound"])
    frame = rows(cell(TPOP, "100.0"), cell(TEAP, "200.0"))
    assert apply(tableless, frame, context(*TABLES)) == []
