"""The standard workbook: what it holds, and reading it back whatever people did to it in Excel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl.utils import get_column_letter

from collection.catalogue.layout import FIRST_DATA_ROW
from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.files import IDENTITY_SHEET
from collection.models import Country, DataSource, Round
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.workbook.build import workbook_build
from tests import factories
from tests.staged_rows import staged_tuples
from tests.workbooks import cell_of, fill, open_book, save, with_cached_formula, with_macros

FORP = "MST_FORP_SEX_CBR_NB"
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"
TABLES = [TPOP, FORP]
STAGED = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time", "obs_value")


@pytest.fixture
def round_(catalogue) -> Round:
    return factories.make_round(tables=TABLES, years=(2024, 2025))


def build(round_: Round, country: str = "THA") -> bytes:
    return workbook_build(round_=round_, country=Country.objects.get(iso3=country))


def rows(years=(2024, 2025), country="THA") -> list[dict[str, str]]:
    return sample_rows(table_specs(TABLES).values(), country=country, years=years)


def staged(submission) -> list[tuple]:
    assert submission.status == "valid", list(submission.issues.values_list("rule", "sheet", "cell", "message")[:5])
    return sorted(staged_tuples(submission, STAGED))


def filled_workbook(round_: Round, **kwargs) -> bytes:
    book = open_book(build(round_))
    fill(book, rows(), **kwargs)
    return save(book)


def test_workbook_has_cover_sources_and_one_sheet_per_requested_table(round_):
    book = open_book(build(round_))
    assert book.sheetnames == ["Cover", "Sources", TPOP, FORP, IDENTITY_SHEET]
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"
    assert "Thailand (THA)" in [c.value for c in book["Cover"]["B"]]
    assert book[TPOP].protection.sheet and not book[TPOP].protection.sort
    forp_codes = [c.value for c in book[FORP]["A"][FIRST_DATA_ROW - 1 :]]
    assert forp_codes[0] == "CBR_BRT_TOTAL" and forp_codes[-1] == "CBR_BRT_X"
    assert "CBR_BRT_THA" not in forp_codes and "CBR_BRT_MMR" in forp_codes
    value = book[TPOP].cell(FIRST_DATA_ROW, 3)
    assert value.protection.locked is False and value.number_format == "#,##0.0"
    assert book[TPOP].cell(FIRST_DATA_ROW, 1).protection.locked is True
    validations = book["Sources"].data_validations.dataValidation
    assert any("BA Labour force survey" in v.formula1 for v in validations)


def test_workbook_is_prefilled_with_published_values_and_leaves_the_new_year_blank(round_, reviewer):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    published = factories.sample_csv(indicators=TABLES, years=(2024,))
    submission = factories.validated(focal_point, round_, published)
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    book = open_book(build(round_))
    total_2024 = cell_of(book, FORP, "CBR_BRT_TOTAL", "2024||SEX_T").value
    expected = next(
        r
        for r in rows(years=(2024,))
        if r["indicator"] == FORP and r["classif1"] == "CBR_BRT_TOTAL" and r["sex"] == "SEX_T"
    )
    assert total_2024 == float(expected["obs_value"])
    assert cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_T").value is None
    sources = book["Sources"]
    assert sources["A3"].value == TPOP and sources["C3"].value == "BA Labour force survey"


def test_a_filled_workbook_gives_the_observations_of_the_long_layout(round_, focal_point):
    from_workbook = factories.validated(focal_point, round_, filled_workbook(round_))
    from_csv = factories.validated(focal_point, round_, factories.sample_csv(indicators=TABLES))
    assert from_workbook.file_format == "workbook"
    assert staged(from_workbook) == staged(from_csv)
    source = DataSource.objects.get(submission=from_workbook, indicator=FORP)
    assert (source.source_type_id, source.name, source.migrant_definition) == (
        "BA",
        "Labour Force Survey",
        "place_of_birth",
    )


def test_excel_habits_change_nothing(round_, focal_point):
    """Rows sorted, blank rows inserted, numbers as text with separators and spaces, an extra sheet."""
    book = open_book(filled_workbook(round_))
    sheet = book[FORP]
    first, second = FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 5
    for column in range(1, sheet.max_column + 1):  # swap two rows, codes and all
        a, b = sheet.cell(first, column), sheet.cell(second, column)
        a.value, b.value = b.value, a.value
    sheet.insert_rows(FIRST_DATA_ROW + 3, amount=2)
    total = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_T")
    total.value = f" {total.value:,.1f} "  # "1,234.5 " typed as text
    male = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_M")
    male.value = str(male.value)
    book.create_sheet("My notes")["A1"] = "checked with the LFS team"
    habits = factories.validated(focal_point, round_, save(book))
    plain = factories.validated(focal_point, round_, filled_workbook(round_))
    assert staged(habits) == staged(plain)


@pytest.mark.parametrize("text", ["..", "-", "n.a.", "", None])
def test_no_value_marks_are_no_observation_not_zero(round_, focal_point, text):
    book = open_book(filled_workbook(round_))
    # A part of closed lists: the additivity checks that need it wait until every part is there.
    cell_of(book, TPOP, "AGE_YTHADULT_Y15-24", "2025|CBR_BIR_FOREIGN|SEX_F").value = text
    submission = factories.validated(focal_point, round_, save(book))
    keys = {o[3:7] for o in staged(submission) if o[0] == TPOP}
    assert ("SEX_F", "AGE_YTHADULT_Y15-24", "CBR_BIR_FOREIGN", "2025") not in keys
    assert ("SEX_F", "AGE_YTHADULT_Y15-24", "CBR_BIR_FOREIGN", "2024") in keys
    assert ("SEX_M", "AGE_YTHADULT_Y15-24", "CBR_BIR_FOREIGN", "2025") in keys


def test_a_formula_counts_with_its_cached_value(round_, focal_point):
    book = open_book(filled_workbook(round_))
    target = cell_of(book, TPOP, "AGE_YTHADULT_YGE15", "2024|CBR_BIR_TOTAL|SEX_T")
    ref, value = target.coordinate, target.value
    below = [book[TPOP].cell(target.row + i, target.column).coordinate for i in (1, 2)]
    content = with_cached_formula(save(book), 3, ref, f"{below[0]}+{below[1]}", value)
    submission = factories.validated(focal_point, round_, content)
    cell = [o for o in staged(submission) if o[3:7] == ("SEX_T", "AGE_YTHADULT_YGE15", "CBR_BIR_TOTAL", "2024")]
    assert [o[7] for o in cell] == [Decimal(repr(value))]  # the number in the cell, exactly


def test_an_error_names_the_sheet_and_the_cell(round_, focal_point):
    book = open_book(filled_workbook(round_))
    total = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_F")
    total.value = total.value + 50
    male = cell_of(book, FORP, "CBR_BRT_MMR", "2025||SEX_M")
    male.value = "12,5,1"
    submission = factories.validated(focal_point, round_, save(book))
    assert submission.status == "invalid"
    additivity = submission.issues.filter(rule="additivity", sheet=FORP)
    assert total.coordinate in set(additivity.values_list("cell", flat=True))
    bad = submission.issues.get(rule="obs_value.not_number")
    assert (bad.sheet, bad.cell, bad.row) == (FORP, male.coordinate, male.row)


def test_an_unknown_code_and_values_without_a_code_are_errors_on_their_cells(round_, focal_point):
    book = open_book(filled_workbook(round_))
    sheet = book[FORP]
    reported = sorted({r["classif1"] for r in rows() if r["indicator"] == FORP} - {"CBR_BRT_TOTAL", "CBR_BRT_X"})
    renamed = cell_of(book, FORP, reported[0], "2024||SEX_T").row
    emptied = cell_of(book, FORP, reported[1], "2024||SEX_T").row
    sheet.cell(renamed, 1).value = "CBR_BRT_XXX"
    sheet.cell(emptied, 1).value = None
    submission = factories.validated(focal_point, round_, save(book))
    wrong = submission.issues.filter(rule="code.invalid").first()
    assert wrong.sheet == FORP and wrong.cell.endswith(str(renamed)) and "CBR_BRT_XXX" in wrong.message
    orphan = submission.issues.get(rule="workbook.no_code")
    assert (orphan.sheet, orphan.cell) == (FORP, f"A{emptied}")


def test_a_table_without_a_source_type_gets_one_error_on_the_sources_sheet(round_, focal_point):
    book = open_book(filled_workbook(round_))
    book["Sources"]["C4"].value = None  # FORP's line
    submission = factories.validated(focal_point, round_, save(book))
    [problem] = submission.issues.exclude(rule="completeness")  # FORP is left out, so the file lacks it
    assert (problem.rule, problem.sheet, problem.cell, problem.indicator) == (
        "sources.missing_type",
        "Sources",
        "C4",
        FORP,
    )


@pytest.mark.parametrize(
    "case, rule, text",
    [
        ("other_country", "workbook.other_country", "made for MYS, not for Thailand"),
        ("other_round", "workbook.other_round", "made for round 'Another round'"),
        ("old_version", "workbook.old_version", "template version 0"),
        ("macros", "file.macro", "contains macros"),
    ],
)
def test_a_workbook_for_something_else_is_refused_with_what_to_download(round_, focal_point, case, rule, text):
    if case == "other_country":
        content = build(round_, "MYS")
    elif case == "other_round":
        content = build(factories.make_round(name="Another round", tables=TABLES))
    elif case == "old_version":
        book = open_book(filled_workbook(round_))
        book[IDENTITY_SHEET]["B1"].value = 0
        content = save(book)
    else:
        content = with_macros(filled_workbook(round_))
    submission = factories.validated(focal_point, round_, content)
    assert submission.status == "invalid"
    [problem] = submission.issues.all()
    assert problem.rule == rule and text in problem.message
    with submission.file.open("rb") as fh:
        assert fh.read() == content  # kept as uploaded


def test_the_workbook_downloads_for_the_countrys_focal_point_only(client, round_, focal_point, other_focal_point):
    url = f"/rounds/{round_.pk}/THA/workbook/"
    client.force_login(focal_point)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ILMS_THA_')
    assert open_book(response.content).sheetnames[2:4] == TABLES
    client.force_login(other_focal_point)
    assert client.get(url).status_code == 404


def test_the_workbook_downloads_from_the_api(api, round_, focal_point, other_focal_point, reviewer):
    api.force_authenticate(focal_point)
    response = api.get(f"/api/v1/rounds/{round_.pk}/workbook/", {"country": "THA"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    api.force_authenticate(other_focal_point)
    assert api.get(f"/api/v1/rounds/{round_.pk}/workbook/", {"country": "THA"}).status_code == 404
    api.force_authenticate(reviewer)
    assert api.get(f"/api/v1/rounds/{round_.pk}/workbook/", {"country": "THA"}).status_code == 200


def test_a_full_workbook_has_every_table_and_partner_country(catalogue):
    round_ = factories.make_round(tables=factories.ALL_TABLES)
    book = open_book(build(round_))
    assert len(book.sheetnames) == 16 + 3
    partner = book["MNA_TPOP_SEX_CRS_NB"]
    assert partner.max_row - FIRST_DATA_ROW + 1 == 249 + 2 - 1  # every ISO country but THA, TOTAL and X
    assert get_column_letter(partner.max_column) == "H"  # code, label, 2 years x 3 sexes
