"""The focal point's own file back, with every issue on its cell: red for errors, amber for warnings,
the message in a comment, and a first sheet listing every issue with a link to its cell.

The copy is always an XLSX: an ODS or a CSV is laid cell for cell into a new workbook first."""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from collection.lib.downloads import text_cell
from collection.lib.errors import WrongState
from collection.lib.files import csv_delimiter, decode_text, upload_format
from collection.models import Severity, Submission, ValidationIssue
from collection.workbook.build import link_to

logger = logging.getLogger(__name__)
FILLS: dict[str, PatternFill] = {  # by severity
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
}
ISSUES_SHEET = "Issues"


WORKBOOKS = {Submission.Format.WORKBOOK, Submission.Format.WORKBOOK_ODS}  # issues placed by sheet and cell
ODS_FORMATS = {Submission.Format.ODS, Submission.Format.WORKBOOK_ODS}  # openpyxl cannot open them: converted
NOT_READ = ("file.unreadable", "file.macro", "file.too_large", "file.internal_error")  # the file as a whole


class NoAnnotatedCopy(WrongState):
    """The file was never read (or cannot be rebuilt), so there are no cells to mark; the report says why."""


def _converted(content: bytes) -> Workbook:
    """A spreadsheet openpyxl cannot open (an ODS) as an XLSX: every sheet, value for value, on the same cells
    (calamine reads from A1), hidden sheets hidden, text kept as text."""
    source = CalamineWorkbook.from_filelike(io.BytesIO(content))
    book = Workbook()
    book.remove(book.active)
    for meta in source.sheets_metadata:
        sheet = book.create_sheet(meta.name)
        if meta.visible != SheetVisibleEnum.Visible:
            sheet.sheet_state = "hidden"
        for r, row in enumerate(source.get_sheet_by_name(meta.name).to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    text_cell(sheet, r, c, value)
    return book


def _book(submission: Submission) -> tuple[Workbook, str]:
    """The stored file as a workbook, and what it is by its content (the stored format of an old row may
    predate ODS): an XLSX as it is, an ODS converted, a CSV laid into a sheet cell for cell."""
    if submission.issues.filter(rule__in=NOT_READ).exists():
        raise NoAnnotatedCopy(
            "This file could not be read, so there is no copy with the problems marked: the report says why "
            "and what to upload instead."
        )
    try:
        with submission.file.open("rb") as fh:
            content = fh.read()
        file_format = upload_format(io.BytesIO(content))
        if file_format == Submission.Format.CSV:
            return _csv_book(content), file_format
        if file_format in ODS_FORMATS:
            return _converted(content), file_format
        try:  # a file object skips openpyxl's check of the name
            return load_workbook(io.BytesIO(content)), file_format
        except Exception:  # an XLSX that openpyxl refuses but calamine read
            return _converted(content), file_format
    except Exception as exc:
        logger.exception("annotated copy of submission %s could not be built", submission.pk)
        raise NoAnnotatedCopy(
            "The portal could not rebuild your file to mark the problems on it; the report lists them all."
        ) from exc


def _csv_book(content: bytes) -> Workbook:
    """A long-layout CSV as a workbook, laid into a sheet cell for cell."""
    text, _ = decode_text(content)
    lines = text.decode("utf-8").splitlines()
    delimiter = csv_delimiter(lines[0] if lines else "")
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    for r, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        for c, value in enumerate(row, start=1):
            text_cell(sheet, r, c, value)
    return book


def _long_layout_cells(sheet: Worksheet, issues: list[ValidationIssue]) -> dict[int, str]:
    """Where each long-layout issue sits: its column in the file's header, or obs_value for a rule across rows."""
    header = {str(c.value or "").strip().lower().replace("\ufeff", ""): c.column for c in sheet[1]}
    fallback = header.get("obs_value", 1)
    return {
        issue.pk: f"{get_column_letter(header.get(issue.column or '', fallback))}{issue.row}"
        for issue in issues
        if issue.row
    }


def annotated_workbook(submission: Submission) -> bytes:
    """The annotated copy of the submission's file, as XLSX whatever was uploaded; NoAnnotatedCopy when the file
    was never read."""
    book, file_format = _book(submission)
    issues = list(submission.issues.order_by("severity", "id"))
    if file_format in WORKBOOKS:
        cells = {i.pk: i.cell for i in issues if i.cell}
        sheets = {i.pk: i.sheet for i in issues if i.cell}
    else:
        data = book.worksheets[0]
        cells = _long_layout_cells(data, issues)
        sheets = dict.fromkeys(cells, data.title)
    notes: dict[tuple[str, str], list[ValidationIssue]] = defaultdict(list)
    for issue in issues:
        sheet_name = sheets.get(issue.pk)
        if issue.pk in cells and sheet_name is not None and sheet_name in book.sheetnames:
            notes[(sheet_name, cells[issue.pk])].append(issue)
    for (sheet_name, ref), found in notes.items():
        cell = book[sheet_name][ref]
        worst = Severity.ERROR if any(i.severity == Severity.ERROR for i in found) else Severity.WARNING
        cell.fill = FILLS[worst]
        text = "\n".join(f"{i.get_severity_display()} ({i.rule}): {i.message}" for i in found)
        cell.comment = Comment(text[:30000], "ILMS Portal", width=360, height=120)
    listing = book.create_sheet(ISSUES_SHEET, 0)
    listing.append(
        [
            f"Submission #{submission.pk} · {submission.country.name} · {submission.round.name} · "
            f"{submission.error_count} errors, {submission.warning_count} warnings"
        ]
    )
    listing["A1"].font = Font(bold=True, size=13)
    listing.append(["Severity", "Rule", "Where", "Indicator", "Message"])
    for cell in listing[2]:
        cell.font = Font(bold=True)
    for issue in issues:
        where = (
            f"{sheets[issue.pk]}!{cells[issue.pk]}"
            if issue.pk in cells
            else (f"row {issue.row}" if issue.row else "whole file")
        )
        row = listing.max_row + 1
        for column, value in enumerate(
            [issue.get_severity_display(), issue.rule, where, issue.indicator or "", issue.message], start=1
        ):
            text_cell(listing, row, column, value)
        listing.cell(row, 1).fill = FILLS[issue.severity]
        sheet_name = sheets.get(issue.pk)
        if issue.pk in cells and sheet_name is not None and sheet_name in book.sheetnames:
            link_to(listing.cell(row, 3), sheet_name, cells[issue.pk])
    for letter, width in zip("ABCDE", (10, 24, 30, 26, 110), strict=True):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A3"
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def annotated_filename(submission: Submission) -> str:
    stem = submission.original_filename.rsplit(".", 1)[0]
    return f"{stem}-checked-#{submission.pk}.xlsx"
