"""Each rule kind alone on a few consistent rows: firing and not firing, the message, the row it points at."""

from __future__ import annotations

import polars as pl
import pytest

from collection.catalogue.specs import rules_effective, table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import rows_to_csv
from collection.lib.published import PUBLISHED_SCHEMA
from collection.validation.checks import CheckContext, RuleDef
from collection.validation.readers.long import read_csv
from collection.validation.run import validate_table

TPOP, TEAP, TEMP, TUNE = (
    "MST_TPOP_SEX_AGE_CBR_NB",
    "MST_TEAP_SEX_AGE_CBR_NB",
    "MST_TEMP_SEX_AGE_CBR_NB",
    "MST_TUNE_SEX_AGE_CBR_NB",
)
ECO, FORP, NCIT, NEMP = "MST_TEMP_SEX_ECO_CBR_NB", "MST_FORP_SEX_CBR_NB", "MFL_NCIT_SEX_CCT_NB", "MFL_NEMP_SEX_OCU_NB"
ABROAD = "MNA_TPOP_SEX_CRS_NB"
ADULTS, YOUTH, FOREIGN = "AGE_YTHADULT_YGE15", "AGE_YTHADULT_Y15-24", "CBR_BIR_FOREIGN"


def make_rows(indicators: list[str], years=(2024, 2025)) -> list[dict]:
    specs = table_specs(indicators)
    return sample_rows([specs[i] for i in indicators], country="THA", years=years, partners=5)


def find(rows: list[dict], indicator: str, sex="SEX_T", classif1="", classif2="", time="2025") -> dict:
    return next(
        r
        for r in rows
        if (r["indicator"], r["sex"], r["classif1"], r["classif2"], r["time"])
        == (indicator, sex, classif1, classif2, time)
    )


def row_of(rows: list[dict], row: dict) -> int:
    return rows.index(row) + 2  # the header is row 1


def published(rows: list[dict]) -> pl.DataFrame:
    """Rows as the master table would hand them to the checks."""
    frame = pl.DataFrame(rows).with_columns(pl.col("obs_value").cast(pl.Float64).alias("value"))
    return frame.select(*(pl.col(c).cast(t) for c, t in PUBLISHED_SCHEMA.items()))


@pytest.fixture
def check(catalogue, tmp_path):
    """Validate rows with the catalogue's rules (or the given ones) against optional published rows."""

    def run(rows, *, rules=None, codes=None, before=None, requested=None, elsewhere=frozenset()):
        catalogue_rules = [RuleDef.from_model(r) for r in rules_effective(None)]
        chosen = rules or [r for r in catalogue_rules if codes is None or r.code in codes]
        present = {r["indicator"] for r in rows}
        ctx = CheckContext(
            country="THA",
            reference_years=[2024, 2025],
            requested=set(requested or present),
            specs=table_specs(),
            source_types={"BA", "FA", "AA", "BX", "EA"},
            flags=set("ABIMRU"),
            rules=chosen,
            published=published(before) if before else None,
            reported_elsewhere=set(elsewhere),
        )
        path = tmp_path / "rows.csv"
        path.write_text(rows_to_csv(rows))
        return [i for i in validate_table(read_csv(path), ctx).issues.to_dicts()]

    return run


def only(issues: list[dict], rule: str) -> list[dict]:
    return [i for i in issues if i["rule"] == rule]


def test_consistent_tables_pass_every_rule_of_the_catalogue(check):
    rows = make_rows([TPOP, TEAP, TEMP, TUNE, ECO, FORP, NCIT, NEMP, ABROAD])
    assert check(rows) == []


def test_labour_force_identity_fires_on_the_labour_force_cell(check):
    rows = make_rows([TEAP, TEMP, TUNE])
    cell = find(rows, TEAP, "SEX_M", YOUTH, FOREIGN)
    cell["obs_value"] = f"{float(cell['obs_value']) + 5:.1f}"
    [found] = only(check(rows, codes={"identity.labour_force"}), "identity.labour_force")
    assert found["severity"] == "error"
    assert (found["row"], found["column"], found["indicator"]) == (row_of(rows, cell), "obs_value", TEAP)
    assert f"{TEAP} is {cell['obs_value']}" in found["message"]
    assert f"{TEMP} + {TUNE} add up to" in found["message"] and "(difference 5)" in found["message"]
    assert f"SEX_M, {YOUTH}, {FOREIGN}, 2025" in found["message"]


def test_labour_force_identity_allows_rounding(check):
    rows = make_rows([TEAP, TEMP, TUNE])
    cell = find(rows, TEAP, "SEX_M", YOUTH, FOREIGN)
    cell["obs_value"] = f"{float(cell['obs_value']) + 0.1:.1f}"
    assert only(check(rows, codes={"identity.labour_force"}), "identity.labour_force") == []


def test_a_table_sent_alone_is_checked_against_the_published_ones(check):
    everything = make_rows([TEAP, TEMP, TUNE])
    alone = [r for r in everything if r["indicator"] == TEAP]
    cell = find(alone, TEAP, "SEX_F", ADULTS, FOREIGN)
    cell["obs_value"] = f"{float(cell['obs_value']) * 2:.1f}"
    before = [r for r in everything if r["indicator"] != TEAP]
    [found] = only(check(alone, codes={"identity.labour_force"}, before=before), "identity.labour_force")
    assert found["row"] == row_of(alone, cell)
    # Without the other tables anywhere there is nothing to compare with.
    assert only(check(alone, codes={"identity.labour_force"}), "identity.labour_force") == []


def test_published_values_alone_never_raise_an_issue_on_the_file(check):
    everything = make_rows([TEAP, TEMP, TUNE])
    before = [dict(r) for r in everything if r["indicator"] in (TEMP, TUNE)]
    find(before, TEMP, "SEX_M", YOUTH, FOREIGN)["obs_value"] = "999"  # wrong, but published already
    unrelated = make_rows([FORP])
    assert check(unrelated, codes={"identity.labour_force"}, before=before) == []


def test_labour_force_never_exceeds_the_population(check):
    rows = make_rows([TPOP, TEAP])
    population = find(rows, TPOP, "SEX_F", YOUTH, "CBR_BIR_NATIVE", "2024")
    labour = find(rows, TEAP, "SEX_F", YOUTH, "CBR_BIR_NATIVE", "2024")
    labour["obs_value"] = f"{float(population['obs_value']) + 3:.1f}"
    [found] = only(check(rows, codes={"bound.labour_force_population"}), "bound.labour_force_population")
    assert found["row"] == row_of(rows, labour) and found["indicator"] == TEAP
    assert f"more than {TPOP} ({population['obs_value']})" in found["message"]


def test_youth_never_exceed_the_15_plus_total(check):
    rows = make_rows([TPOP])
    total = find(rows, TPOP, "SEX_T", ADULTS, "CBR_BIR_TOTAL")
    youth = find(rows, TPOP, "SEX_T", YOUTH, "CBR_BIR_TOTAL")
    youth["obs_value"] = f"{float(total['obs_value']) + 1:.1f}"
    [found] = [i for i in only(check(rows, codes={"bound.youth"}), "bound.youth") if i["indicator"] == TPOP]
    assert found["row"] == row_of(rows, youth)
    assert f"{TPOP} ({YOUTH})" in found["message"] and f"{TPOP} ({ADULTS})" in found["message"]


def test_employment_totals_agree_across_the_employment_tables(check):
    rows = make_rows([TEMP, ECO])
    assert check(rows, codes={"equal_totals.employment"}) == []
    eco_total = find(rows, ECO, "SEX_M", "ECO_ISIC4_TOTAL", FOREIGN)
    eco_total["obs_value"] = f"{float(eco_total['obs_value']) + 10:.1f}"
    [found] = only(check(rows, codes={"equal_totals.employment"}), "equal_totals.employment")
    assert found["row"] == row_of(rows, eco_total) and found["indicator"] == ECO
    assert (
        f"{ECO} (ECO_ISIC4_TOTAL) gives {eco_total['obs_value']} "
        f"for Foreign-born · Male · 2025 (SEX_M, {FOREIGN}, 2025)" in found["message"]
    )
    assert f"but {TEMP} ({ADULTS})" in found["message"] and "(difference 10)" in found["message"]


def test_foreign_born_total_matches_the_population_table(check):
    rows = make_rows([TPOP, FORP])
    forp_total = find(rows, FORP, "SEX_F", "CBR_BRT_TOTAL", "", "2024")
    forp_total["obs_value"] = f"{float(forp_total['obs_value']) * 1.5:.1f}"
    found = only(check(rows, codes={"equal_totals.foreign_born"}), "equal_totals.foreign_born")
    assert [i["row"] for i in found] == [row_of(rows, forp_total)]
    assert f"{TPOP} ({ADULTS}, {FOREIGN})" in found[0]["message"]


def test_employed_arrivals_never_exceed_all_arrivals(check):
    rows = make_rows([NCIT, NEMP])
    employed = find(rows, NEMP, "SEX_T", "OCU_ISCO08_TOTAL")
    employed["obs_value"] = f"{float(find(rows, NCIT, 'SEX_T', 'CCT_CTZ_TOTAL')['obs_value']) + 50:.1f}"
    found = only(check(rows, codes={"bound.employed_inflow"}), "bound.employed_inflow")
    assert [i["row"] for i in found] == [row_of(rows, employed)]


def test_a_large_change_from_last_year_in_the_file_is_a_warning(check):
    rows = make_rows([FORP])
    cell = find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL")
    previous = float(find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL", "", "2024")["obs_value"])
    cell["obs_value"] = f"{previous * 1.5:.1f}"
    [found] = only(check(rows, codes={"change.year_on_year"}), "change.year_on_year")
    assert (found["severity"], found["row"], found["column"]) == ("warning", row_of(rows, cell), "obs_value")
    assert f"against {previous:g} in 2024 (this file)" in found["message"]
    assert "a change of +50 %" in found["message"] and "beyond the 30 %" in found["message"]


def test_the_change_is_measured_against_the_published_year_when_the_file_has_none(check):
    before = make_rows([FORP], years=(2024,))
    rows = make_rows([FORP], years=(2025,))
    cell = find(rows, FORP, "SEX_M", "CBR_BRT_TOTAL")
    cell["obs_value"] = f"{float(cell['obs_value']) * 0.5:.1f}"
    [found] = only(check(rows, codes={"change.year_on_year"}, before=before), "change.year_on_year")
    assert found["row"] == row_of(rows, cell) and "(published) is a change of -" in found["message"]


def test_a_declared_break_with_a_note_silences_the_change_warning(check):
    rows = make_rows([FORP])
    cell = find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL")
    cell["obs_value"] = f"{float(cell['obs_value']) * 2:.1f}"
    cell["obs_status"], cell["note"] = "B", "New census frame from 2025"
    assert only(check(rows, codes={"change.year_on_year", "break.no_note"}), "change.year_on_year") == []
    cell["note"] = ""
    issues = check(rows, codes={"change.year_on_year", "break.no_note"})
    assert len(only(issues, "change.year_on_year")) == 1  # a break without a note explains nothing
    [no_note] = only(issues, "break.no_note")
    assert (no_note["row"], no_note["column"], no_note["severity"]) == (row_of(rows, cell), "note", "warning")
    assert "flagged B (break in series) without a note" in no_note["message"]


def test_tiny_cells_and_flows_within_their_threshold_are_not_flagged(check):
    rows = make_rows([NCIT])
    flow = find(rows, NCIT, "SEX_T", "CCT_CTZ_TOTAL")
    flow["obs_value"] = f"{float(find(rows, NCIT, 'SEX_T', 'CCT_CTZ_TOTAL', '', '2024')['obs_value']) * 1.4:.1f}"
    tiny = next(r for r in rows if r["time"] == "2025" and float(r["obs_value"]) < 2)
    tiny["obs_value"] = f"{float(tiny['obs_value']) * 2:.1f}"
    assert only(check(rows, codes={"change.year_on_year"}), "change.year_on_year") == []  # 40 % < 50 % for flows


def test_the_reporting_country_cannot_be_its_own_partner(check):
    rows = make_rows([FORP, ABROAD])
    for indicator, code in ((FORP, "CBR_BRT_THA"), (ABROAD, "CRS_RES_THA")):
        row = next(r for r in rows if r["indicator"] == indicator and r["classif1"].endswith("_X"))
        row["classif1"] = code
    found = only(check(rows, codes={"partner.own_country"}), "partner.own_country")
    assert sorted((i["indicator"], i["column"], i["severity"]) for i in found) == [
        (ABROAD, "classif1", "error"),
        (FORP, "classif1", "error"),
    ]
    assert "CBR_BRT_THA is the reporting country (THA) itself" in only(found, "partner.own_country")[0]["message"]


def test_missing_tables_and_years_are_listed_in_one_warning(check):
    rows = make_rows([FORP], years=(2024,))
    requested = [FORP, TPOP]
    [found] = only(check(rows, codes={"completeness"}, requested=requested), "completeness")
    assert found["severity"] == "warning" and found["row"] is None
    assert "3 requested table-year(s) are missing" in found["message"]
    assert found["message"].endswith(f": {TPOP}; {FORP} (2025).")  # the catalogue's order; a whole table by name
    elsewhere = {(TPOP, "2024"), (TPOP, "2025"), (FORP, "2025")}
    assert only(check(rows, codes={"completeness"}, requested=requested, elsewhere=elsewhere), "completeness") == []


def test_a_rules_parameters_and_message_come_from_the_rule(check):
    rows = make_rows([FORP])
    cell = find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL")
    cell["obs_value"] = f"{float(find(rows, FORP, 'SEX_T', 'CBR_BRT_TOTAL', '', '2024')['obs_value']) * 1.2:.1f}"
    strict = RuleDef(
        "change.strict", "year_on_year", FORP, {"threshold_pct": 10}, "error", "{cell} moved {change_pct} % in {time}"
    )
    [found] = check(rows, rules=[strict])
    assert (found["rule"], found["severity"]) == ("change.strict", "error")
    assert found["message"].startswith("Total · Total (SEX_T, CBR_BRT_TOTAL) moved +") and found["message"].endswith(
        " % in 2025"
    )
    assert 19 <= float(found["message"].split("+")[1].split(" ")[0]) <= 21


def test_a_change_published_already_is_not_asked_about_again(check):
    """Both years re-sent as published (the workbook comes pre-filled): the change was reviewed before."""
    before = make_rows([FORP])
    cell = find(before, FORP, "SEX_T", "CBR_BRT_TOTAL")
    cell["obs_value"] = f"{float(find(before, FORP, 'SEX_T', 'CBR_BRT_TOTAL', '', '2024')['obs_value']) * 1.5:.1f}"
    rows = [dict(r) for r in before]
    assert only(check(rows, codes={"change.year_on_year"}, before=before), "change.year_on_year") == []
    # The same change is asked about again once either year differs from what was published.
    find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL")["obs_value"] = f"{float(cell['obs_value']) + 1:.1f}"
    [found] = only(check(rows, codes={"change.year_on_year"}, before=before), "change.year_on_year")
    assert found["row"] == row_of(rows, find(rows, FORP, "SEX_T", "CBR_BRT_TOTAL"))
