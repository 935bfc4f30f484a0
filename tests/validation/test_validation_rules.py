"""Each rule of the first rule set, firing and not firing, with the row and column it names."""

from __future__ import annotations

import pytest

from collection.catalogue.specs import rules_effective, table_specs
from collection.models import ObservationStatus, SourceType
from collection.validation.checks import CheckContext, RuleDef
from collection.validation.readers.long import read_csv
from collection.validation.run import validate_table

HEADER = "ref_area,indicator,source,sex,classif1,classif2,time,obs_value,obs_status,note"
FORP = "MST_FORP_SEX_CBR_NB"
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"


@pytest.fixture
def ctx(catalogue) -> CheckContext:
    return CheckContext(
        country="THA",
        reference_years=[2024, 2025],
        requested={FORP, TPOP},
        specs=table_specs(),
        source_types=set(SourceType.objects.values_list("code", flat=True)),
        flags=set(ObservationStatus.objects.values_list("code", flat=True)),
        rules=[RuleDef.from_model(r) for r in rules_effective(None) if r.kind != "completeness"],
    )


def check(tmp_path, ctx, *rows: str, header: str = HEADER):
    path = tmp_path / "f.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return validate_table(read_csv(path), ctx)


def issues(result, rule: str) -> list[dict]:
    return [i for i in result.issues.to_dicts() if i["rule"] == rule]


def forp(
    sex="SEX_T",
    partner="CBR_BRT_MMR",
    time="2024",
    value="1",
    status="",
    *,
    area="THA",
    source="BA",
    indicator=FORP,
    classif2="",
) -> str:
    return f"{area},{indicator},{source},{sex},{partner},{classif2},{time},{value},{status},"


def test_a_clean_file_has_no_issue(tmp_path, ctx):
    result = check(tmp_path, ctx, forp("SEX_T", value="3"), forp("SEX_M", value="1"), forp("SEX_F", value="2"))
    assert result.issues.is_empty()
    assert result.observation_count == 3
    assert result.rows.height == 3


def test_missing_header_column_is_an_error_on_row_1(tmp_path, ctx):
    result = check(
        tmp_path,
        ctx,
        "THA,MST_FORP_SEX_CBR_NB,SEX_T,CBR_BRT_MMR,2024,1",
        header="ref_area,indicator,sex,classif1,time,obs_value",
    )
    [found] = issues(result, "header.missing_column")
    assert (found["severity"], found["row"], found["column"]) == ("error", 1, "source")
    assert "no 'source' column" in found["message"]


def test_unknown_indicator_is_an_error(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, forp(indicator="MST_XXXX_NB")), "indicator.unknown")
    assert (found["row"], found["column"]) == (2, "indicator")
    assert "MST_XXXX_NB" in found["message"]


def test_indicator_not_requested_in_the_round_is_an_error(tmp_path, ctx):
    row = "THA,MNA_TPOP_SEX_CRS_NB,FA,SEX_T,CRS_RES_MYS,,2024,5,,"
    [found] = issues(check(tmp_path, ctx, forp(), row), "indicator.not_requested")
    assert (found["row"], found["column"]) == (3, "indicator")
    assert "not requested" in found["message"]


def test_ref_area_of_another_country_is_an_error(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, forp(), forp(area="MYS", sex="SEX_M")), "ref_area.mismatch")
    assert (found["row"], found["column"]) == (3, "ref_area")
    assert "'MYS'" in found["message"] and "THA" in found["message"]


def test_unknown_source_is_an_error(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, forp(source="ZZ")), "source.unknown")
    assert (found["row"], found["column"]) == (2, "source")


@pytest.mark.parametrize(
    "row, column, text",
    [
        (forp(sex="SEX_Q"), "sex", "'SEX_Q' is not a code of SEX"),
        (forp(partner="ECO_ISIC4_A"), "classif1", "'ECO_ISIC4_A' is not a code of CBR_BRT"),
        (f"THA,{TPOP},BA,SEX_T,AGE_YTHADULT_YGE15,CCT_CIT_TOTAL,2024,5,,", "classif2", "not a code of CBR_BIR"),
    ],
)
def test_code_not_in_the_indicators_list_is_an_error(tmp_path, ctx, row, column, text):
    [found] = issues(check(tmp_path, ctx, row), "code.invalid")
    assert (found["row"], found["column"]) == (2, column)
    assert text in found["message"]


def test_classif2_missing_where_the_table_needs_it(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, f"THA,{TPOP},BA,SEX_T,AGE_YTHADULT_YGE15,,2024,5,,"), "code.missing")
    assert (found["row"], found["column"]) == (2, "classif2")


def test_classif2_given_where_the_table_has_none(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, forp(classif2="CBR_BIR_TOTAL")), "code.unexpected")
    assert (found["row"], found["column"]) == (2, "classif2")


@pytest.mark.parametrize(
    "time, rule", [("2019", "time.out_of_round"), ("24", "time.invalid"), ("2024Q1", "time.invalid")]
)
def test_time_outside_the_round_or_not_a_year(tmp_path, ctx, time, rule):
    [found] = issues(check(tmp_path, ctx, forp(time=time)), rule)
    assert (found["row"], found["column"]) == (2, "time")
    assert time in found["message"]


@pytest.mark.parametrize(
    "value, rule",
    [
        ("abc", "obs_value.not_number"),
        ("1,2,3", "obs_value.not_number"),
        ("-4", "obs_value.negative"),
        ("nan", "obs_value.not_number"),
    ],
)
def test_obs_value_must_be_a_non_negative_number(tmp_path, ctx, value, rule):
    [found] = issues(check(tmp_path, ctx, forp(value=f'"{value}"')), rule)
    assert (found["row"], found["column"]) == (2, "obs_value")


def test_decimal_comma_in_a_semicolon_file_is_a_number(tmp_path, ctx):
    path = tmp_path / "f.csv"
    path.write_text(HEADER.replace(",", ";") + "\nTHA;MST_FORP_SEX_CBR_NB;BA;SEX_T;CBR_BRT_MMR;;2024;412,6;;\n")
    result = validate_table(read_csv(path), ctx)
    assert result.issues.is_empty()
    assert result.rows["value"].to_list() == [412.6]


def test_empty_obs_value_is_no_observation_and_one_warning(tmp_path, ctx):
    result = check(tmp_path, ctx, forp(value=""), forp(sex="SEX_M", value=""), forp(sex="SEX_F", value="2"))
    [found] = issues(result, "value.empty")
    assert found["severity"] == "warning"
    assert (found["row"], found["column"]) == (2, "obs_value")
    assert "2 row(s)" in found["message"]
    assert result.observation_count == 1


def test_unknown_obs_status_is_an_error_and_known_flags_pass(tmp_path, ctx):
    result = check(tmp_path, ctx, forp(status="Z"), forp(sex="SEX_M", status="B"))
    [found] = issues(result, "obs_status.unknown")
    assert (found["row"], found["column"]) == (2, "obs_status")


def test_duplicate_key_names_the_first_row(tmp_path, ctx):
    [found] = issues(check(tmp_path, ctx, forp(), forp(sex="SEX_M"), forp(value="2")), "key.duplicate")
    assert (found["row"], found["column"]) == (4, None)
    assert "row 2" in found["message"]


def test_sex_total_must_equal_the_sum_of_its_parts(tmp_path, ctx):
    # Given to 0.1 (the trailing zero counts), a difference of 1 is far beyond what rounding explains.
    result = check(tmp_path, ctx, forp("SEX_T", value="10.0"), forp("SEX_M", value="4.0"), forp("SEX_F", value="5.0"))
    [found] = issues(result, "additivity")
    assert (found["severity"], found["row"], found["column"]) == ("error", 2, "obs_value")
    assert "SEX_T is 10" in found["message"] and "SEX_F + SEX_M add up to 9" in found["message"]
    assert found["message"].endswith(
        "that is more than the 0.11 that rounding 2 values to 0.1 (0.1) and the 0.1 % tolerance (0.01) can explain."
    )
    # In whole thousands, two parts rounded to 1 may be off by 1 together: nothing wrong.
    result = check(tmp_path, ctx, forp("SEX_T", value="10"), forp("SEX_M", value="4"), forp("SEX_F", value="5"))
    assert issues(result, "additivity") == []


def test_additivity_allows_the_rounding_tolerance(tmp_path, ctx):
    # 0.1 % of 1000 is 1: a difference of 0.9 passes; for small totals the floor is 0.1.
    result = check(
        tmp_path,
        ctx,
        forp("SEX_T", value="1000"),
        forp("SEX_M", value="499.1"),
        forp("SEX_F", value="500"),
        forp("SEX_T", "CBR_BRT_LAO", value="3"),
        forp("SEX_M", "CBR_BRT_LAO", value="1.95"),
        forp("SEX_F", "CBR_BRT_LAO", value="1"),
    )
    assert issues(result, "additivity") == []


def test_closed_list_is_checked_only_when_every_part_is_present(tmp_path, ctx):
    result = check(tmp_path, ctx, forp("SEX_T", value="10"), forp("SEX_M", value="4"))
    assert issues(result, "additivity") == []


def test_optional_part_counts_when_present(tmp_path, ctx):
    rows = [forp("SEX_T", value="10"), forp("SEX_M", value="4"), forp("SEX_F", value="5"), forp("SEX_O", value="1")]
    assert issues(check(tmp_path, ctx, *rows), "additivity") == []


def test_partner_total_is_checked_over_the_countries_present_plus_x(tmp_path, ctx):
    rows = [
        forp(partner="CBR_BRT_TOTAL", value="100"),
        forp(partner="CBR_BRT_MMR", value="60"),
        forp(partner="CBR_BRT_LAO", value="30"),
        forp(partner="CBR_BRT_X", value="5"),
    ]
    [found] = issues(check(tmp_path, ctx, *rows), "additivity")
    assert found["row"] == 2
    assert "the 3 partner countries reported (with X) add up to 95" in found["message"]
    rows[-1] = forp(partner="CBR_BRT_X", value="10")
    assert issues(check(tmp_path, ctx, *rows), "additivity") == []


def test_additivity_along_classif2_names_the_cell(tmp_path, ctx):
    def tpop(c2, value):
        return f"THA,{TPOP},BA,SEX_T,AGE_YTHADULT_Y15-24,{c2},2025,{value},,"

    result = check(
        tmp_path,
        ctx,
        tpop("CBR_BIR_TOTAL", 50),
        tpop("CBR_BIR_NATIVE", 30),
        tpop("CBR_BIR_FOREIGN", 10),
        tpop("CBR_BIR_X", 1),
    )
    [found] = issues(result, "additivity")
    assert "Along classif2" in found["message"] and "AGE_YTHADULT_Y15-24" in found["message"]
    assert "difference 9" in found["message"]


def test_rows_with_errors_are_left_out_of_additivity(tmp_path, ctx):
    result = check(tmp_path, ctx, forp("SEX_T", value="10"), forp("SEX_M", value="x"), forp("SEX_F", value="5"))
    assert issues(result, "additivity") == []
    assert len(issues(result, "obs_value.not_number")) == 1


def test_a_report_lists_at_most_1000_issues_per_rule_and_says_how_many_more(tmp_path, ctx):
    from collection.validation.run import MAX_ISSUES_PER_RULE, capped

    rows = [forp(partner=f"CBR_BRT_{code}", time="2019") for code in ("MMR", "LAO", "KHM", "VNM")] * 400
    result = check(tmp_path, ctx, *rows)
    assert result.error_count == len(issues(result, "time.out_of_round")) + len(issues(result, "key.duplicate"))
    stored = capped(result.issues)
    time_issues = stored.filter(stored["rule"] == "time.out_of_round")
    assert time_issues.height == MAX_ISSUES_PER_RULE + 1
    summary = time_issues.filter(time_issues["row"].is_null())["message"][0]
    assert summary.startswith("… and 600 more of the same kind (time.out_of_round)")
