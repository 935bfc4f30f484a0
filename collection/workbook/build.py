"""Writing the standard workbook for a country and round (openpyxl), pre-filled with what is published."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from collection.catalogue.layout import (
    CODES_ROW,
    COVER_SHEET,
    FIRST_DATA_ROW,
    FIRST_VALUE_COLUMN,
    MIGRANT_DEFINITIONS,
    SOURCES_SHEET,
    TEMPLATE_VERSION,
    TableLayout,
    table_layout,
)
from collection.catalogue.specs import table_specs
from collection.lib.downloads import text_cell
from collection.lib.files import IDENTITY_SHEET
from collection.models import Code, Country, DataSource, Observation, Round, SourceType
from collection.submissions.sources import sources_latest

BRAND = "1E4F91"
TITLE = Font(bold=True, size=14, color=BRAND)
BOLD = Font(bold=True)
MUTED = Font(italic=True, color="5B6475")
HEADER_FILL = PatternFill("solid", fgColor="E7EFFA")
TOTAL_FILL = PatternFill("solid", fgColor="F2F4F8")
INPUT = Protection(locked=False)
THIN = Side(style="thin", color="C9D1DD")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
NUMBER_FORMAT = "#,##0.0"
INSTRUCTIONS = [
    "Each table has its own sheet: rows are the categories, columns are year × sex (and the second breakdown).",
    "Values are in thousands of persons. Type a number in a white cell; leave it empty, or write '..', when there "
    "is no value. An empty cell is not zero: write 0 for a true zero.",
    "Published values are already filled in: correct them where your data were revised and add the new year.",
    "Totals must equal the sum of their parts (within rounding). You may sort rows, insert blank rows and use "
    "formulas; do not rename the sheets or change the codes in column A or in the hidden row 6.",
    "Describe the source of every table you fill in on the 'Sources' sheet.",
    "Upload the saved file (.xlsx) on the portal's Upload page. The report shows every problem, and you can "
    "download this file back with each problem highlighted on its cell.",
]


def link_to(cell: Cell, sheet: str, ref: str = "A1") -> None:
    """Make a cell a link to a place in the same workbook (a location, not an external target)."""
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(sheet)}!{ref}")
    cell.font = Font(color=BRAND, underline="single")


def _protect(sheet: Worksheet) -> None:
    """Lock labels and codes; leave sorting, inserting rows and formatting free, as people work that way."""
    protection = sheet.protection
    protection.sheet = True
    protection.sort = False
    protection.autoFilter = False
    protection.insertRows = False
    protection.deleteRows = False
    protection.formatCells = False
    protection.formatColumns = False
    protection.formatRows = False


def workbook_filename(round_: Round, country: Country) -> str:
    return f"ILMS_{country.iso3}_{round_.name.replace(' ', '_')}_v{TEMPLATE_VERSION}.xlsx"


def _cover(book: Workbook, round_: Round, country: Country, layouts: list[TableLayout]) -> None:
    sheet = book.active
    sheet.title = COVER_SHEET
    region = f"{round_.region.name} " if round_.region else ""
    sheet["A1"] = f"International Labour Migration Statistics (ILMS) — {region}questionnaire"
    sheet["A1"].font = TITLE
    facts = [
        ("Country", f"{country.name} ({country.iso3})"),
        ("Round", round_.name),
        ("Reference years", round_.years_label),
        ("Deadline", round_.deadline.isoformat()),
        ("Tables requested", len(layouts)),
        ("Template version", f"{TEMPLATE_VERSION} (round {round_.pk}, {country.iso3})"),
        ("Generated", timezone.now().strftime("%Y-%m-%d %H:%M UTC")),
    ]
    for i, (label, value) in enumerate(facts, start=3):
        sheet.cell(i, 1, label).font = BOLD
        text_cell(sheet, i, 2, value)  # the round's name is an admin's text
    row = len(facts) + 4
    sheet.cell(row, 1, "How to fill in this workbook").font = BOLD
    for i, text in enumerate(INSTRUCTIONS, start=1):
        cell = sheet.cell(row + i, 1, f"{i}. {text}")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row + i, start_column=1, end_row=row + i, end_column=6)
        sheet.row_dimensions[row + i].height = 32
    row += len(INSTRUCTIONS) + 2
    sheet.cell(row, 1, "Tables").font = BOLD
    for i, layout in enumerate(layouts, start=1):
        link_to(sheet.cell(row + i, 1, layout.indicator), layout.indicator)
        text_cell(sheet, row + i, 2, layout.spec.title)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 70
    _protect(sheet)


def _sources(
    book: Workbook, layouts: list[TableLayout], previous: dict[str, DataSource], published_sources: dict[str, str]
) -> None:
    sheet = book.create_sheet(SOURCES_SHEET)
    headers = [
        "Indicator",
        "Table",
        "Source type",
        "Survey, census or register name",
        "Agency",
        "Reference period",
        "Coverage",
        "Migrant definition",
        "Notes",
    ]
    sheet["A1"] = "Sources: one line per table (mapping national data sources is one of the collection's aims)"
    sheet["A1"].font = TITLE
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(2, col, text)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTER, GRID
    types = [f"{code} {label}" for code, label in SourceType.objects.values_list("code", "label")]
    type_label = {t.split(" ", 1)[0]: t for t in types}
    type_list = DataValidation(
        type="list",
        formula1='"' + ",".join(types) + '"',
        allow_blank=True,
        showErrorMessage=True,
        error="Choose a source type from the list.",
    )
    definitions = DataValidation(
        type="list",
        formula1='"' + ",".join(MIGRANT_DEFINITIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        error="Choose place of birth or citizenship.",
    )
    sheet.add_data_validation(type_list)
    sheet.add_data_validation(definitions)
    reverse_definition = {v: k for k, v in MIGRANT_DEFINITIONS.items()}
    for row, layout in enumerate(layouts, start=3):
        before = previous.get(layout.indicator)
        values = [
            layout.indicator,
            layout.spec.title,
            type_label.get(before.source_type_id if before else published_sources.get(layout.indicator, ""), ""),
            before.name if before else "",
            before.agency if before else "",
            before.reference_period if before else "",
            before.coverage if before else "",
            reverse_definition.get(before.migrant_definition, "") if before else "",
            before.notes if before else "",
        ]
        for col, value in enumerate(values, start=1):
            cell = text_cell(sheet, row, col, value or None)
            cell.border = GRID
            if col > 2:
                cell.protection = INPUT
        type_list.add(f"C{row}")
        definitions.add(f"H{row}")
    for letter, width in zip("ABCDEFGHI", (28, 50, 28, 36, 28, 20, 28, 18, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C3"
    _protect(sheet)


# A published value's place in the workbook: (indicator, sex, classif1, classif2, time).
ValueKey = tuple[str, str, str, str, str]


def _table(book: Workbook, layout: TableLayout, country: Country, values: dict[ValueKey, Decimal]) -> None:
    sheet = book.create_sheet(layout.indicator)
    sheet["A1"] = f"{layout.indicator} — {layout.spec.title}"
    sheet["A1"].font = TITLE
    sheet["A2"] = (
        f"{country.name}. Thousands of persons. Empty or '..' = no value; 0 = a true zero. "
        "Totals must equal the sum of their parts."
    )
    sheet["A2"].font = MUTED
    for col, text in ((1, "Code"), (2, "Category")):
        for row in (3, 4, 5):
            sheet.cell(row, col).fill = HEADER_FILL
        sheet.cell(5, col, text).font = BOLD
    per_year = len(layout.columns) // len(layout.years)
    per_c2 = len(layout.sex_labels)
    for i, column in enumerate(layout.columns):
        col = FIRST_VALUE_COLUMN + i
        if i % per_year == 0:
            sheet.cell(3, col, int(column.time))
            sheet.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + per_year - 1)
        if column.classif2 and i % per_c2 == 0:
            text_cell(sheet, 4, col, layout.classif2_labels[column.classif2])
            sheet.merge_cells(start_row=4, start_column=col, end_row=4, end_column=col + per_c2 - 1)
        text_cell(sheet, 5, col, layout.sex_labels[column.sex])
        sheet.cell(CODES_ROW, col, column.key)
        for row in (3, 4, 5):
            cell = sheet.cell(row, col)
            cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTER, GRID
        sheet.column_dimensions[get_column_letter(col)].width = 11
    sheet.cell(CODES_ROW, 1, "code")
    sheet.cell(CODES_ROW, 2, "label")
    sheet.row_dimensions[CODES_ROW].hidden = True
    total = layout.total_code
    for r, (code, label) in enumerate(layout.rows):
        row = FIRST_DATA_ROW + r
        code_cell = text_cell(sheet, row, 1, code)
        label_cell = text_cell(sheet, row, 2, label)
        if code == total:
            code_cell.font = label_cell.font = BOLD
            code_cell.fill = label_cell.fill = TOTAL_FILL
        for i, column in enumerate(layout.columns):
            value = values.get((layout.indicator, column.sex, code, column.classif2, column.time))
            cell = sheet.cell(row, FIRST_VALUE_COLUMN + i, value)
            cell.protection = INPUT
            cell.number_format = NUMBER_FORMAT
            cell.border = GRID
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 42
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, FIRST_VALUE_COLUMN)
    sheet["A3"].comment = Comment(
        "Do not change the codes in column A: they tell the portal what each row is.", "ILMS Portal"
    )
    _protect(sheet)


def workbook_build(*, round_: Round, country: Country) -> bytes:
    """The workbook for a country and round: cover, sources, one sheet per requested table, pre-filled with the
    currently published values of the round's years."""
    indicators = list(round_.tables.order_by("sort_order", "indicator").values_list("indicator", flat=True))
    specs = table_specs(indicators)
    codelists = {dim.codelist for spec in specs.values() for dim in spec.dimensions.values()}
    labels = dict(Code.objects.filter(codelist_id__in=codelists).values_list("code", "label"))
    layouts = [table_layout(specs[i], round_.reference_years, country.iso3, labels) for i in indicators]
    years = [str(y) for y in round_.reference_years]
    published = Observation.objects.filter(
        is_current=True, ref_area=country.iso3, indicator__in=indicators, time__in=years
    )
    values: dict[ValueKey, Decimal] = {}
    sources: dict[str, Counter[str]] = {}
    for indicator, sex, c1, c2, time, value, source in published.values_list(
        "indicator", "sex", "classif1", "classif2", "time", "obs_value", "source"
    ).iterator(chunk_size=10_000):
        values[(indicator, sex, c1, c2, time)] = value
        sources.setdefault(indicator, Counter())[source] += 1
    previous = sources_latest(country.iso3, indicators)
    book = Workbook()
    _cover(book, round_, country, layouts)
    _sources(book, layouts, previous, {k: c.most_common(1)[0][0] for k, c in sources.items()})
    for layout in layouts:
        _table(book, layout, country, values)
    identity = book.create_sheet(IDENTITY_SHEET)
    for i, (key, setting) in enumerate(
        [
            ("template_version", TEMPLATE_VERSION),
            ("round_id", round_.pk),
            ("round_name", round_.name),
            ("country", country.iso3),
        ],
        start=1,
    ):
        identity.cell(i, 1, key)
        text_cell(identity, i, 2, setting)
    identity.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
