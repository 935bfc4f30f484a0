"""The focal point's own file back, with every issue on its cell: red for errors, amber for warnings,
the message in a comment, and a first sheet listing every issue with a link to its cell.

The copy is always an XLSX, made by the worker after validation and kept beside the upload; a web request only
serves it. A small XLSX is opened whole, so its formatting stays; anything else (a CSV, an ODS, a large XLSX) is
streamed sheet by sheet into a write-only workbook, value for value on the same cells, so that memory stays
that of one sheet as the validation read it. A file of more than ANNOTATED_MAX_ROWS rows gets a sentence."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import chain
from typing import IO, TypeAlias

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from collection.lib.errors import WrongState
from collection.lib.files import csv_delimiter, upload_format
from collection.lib.queue import BUILD_ANNOTATED_COPY, enqueue
from collection.models import Severity, Submission, ValidationIssue
from collection.workbook.build import link_to

logger = logging.getLogger(__name__)
FILLS: dict[str, PatternFill] = {  # by severity
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
}
ISSUES_SHEET = "Issues"

WORKBOOKS = {Submission.Format.WORKBOOK, Submission.Format.WORKBOOK_ODS}  # issues placed by sheet and cell
XLSX_FORMATS = {Submission.Format.XLSX, Submission.Format.WORKBOOK}  # openpyxl can open them whole
NOT_READ = (  # the file as a whole: never read, or its reading never finished
    "file.unreadable",
    "file.macro",
    "file.too_large",
    "file.internal_error",
    "file.too_slow",
    "file.worker_lost",
)
PREPARING = (
    "Your file with the problems marked is being prepared; the submission's page offers it as soon as it is ready."
)
NOT_REBUILT = "The portal could not rebuild your file to mark the problems on it; the report lists them all."

Place = tuple[str, str]  # (sheet, cell reference) of an issue
Sheet: TypeAlias = Worksheet | WriteOnlyWorksheet


class NoAnnotatedCopy(WrongState):
    """The file was never read (or cannot be rebuilt), so there are no cells to mark; the report says why."""


def annotated_refusal(submission: Submission) -> str | None:
    """Why no copy is made, known before the file is opened (so a huge file is never loaded to find out)."""
    if submission.issues.filter(rule__in=NOT_READ).exists():
        return (
            "This file could not be read, so there is no copy with the problems marked: the report says why "
            "and what to upload instead."
        )
    rows, limit = submission.row_count or 0, settings.ANNOTATED_MAX_ROWS
    if rows > limit:
        return (
            f"The file has {rows:,} rows; a copy with the problems marked is made for files of up to {limit:,} "
            "rows. The report lists every issue with its row."
        )
    return None


def annotated_copy_build(*, submission_id: int) -> Submission | None:
    """The worker's job once a report is stored: make the annotated copy and keep it, or keep the sentence
    saying why there is none. Idempotent: a repeated message finds the copy made."""
    submission = Submission.objects.select_related("round", "country").filter(pk=submission_id).first()
    if submission is None or submission.validated_at is None or submission.annotated or submission.annotated_note:
        return submission
    note = annotated_refusal(submission)
    if note is None:
        try:
            with tempfile.TemporaryFile() as out:
                _write(submission, out)
                out.seek(0)
                submission.annotated.save(annotated_filename(submission), File(out), save=False)
        except NoAnnotatedCopy as exc:
            note = exc.message
        except Exception:  # a file the readers took but openpyxl or calamine cannot rebuild: a sentence, traced
            logger.exception("annotated copy of submission %s could not be built", submission.pk)
            note = NOT_REBUILT
    submission.annotated_note = note or ""
    Submission.objects.filter(pk=submission.pk).update(
        annotated=submission.annotated.name or "", annotated_note=note or ""
    )
    logger.info("annotated copy of submission %s: %s", submission.pk, note or submission.annotated.name)
    return submission


def annotated_copy_ask(submission: Submission) -> None:
    """Ask the worker for a copy not made yet: a submission validated before copies were kept, or one whose
    message was lost. Once per ANNOTATED_ASK_AGAIN_SECONDS, by a conditional UPDATE, however many pages ask."""
    if submission.validated_at is None or submission.annotated or submission.annotated_note:
        return
    asked = submission.annotated_asked_at or submission.validated_at
    if timezone.now() - asked < timedelta(seconds=settings.ANNOTATED_ASK_AGAIN_SECONDS):
        return
    now = timezone.now()
    if Submission.objects.filter(pk=submission.pk, annotated_asked_at=submission.annotated_asked_at).update(
        annotated_asked_at=now
    ):
        submission.annotated_asked_at = now
        enqueue(BUILD_ANNOTATED_COPY, submission.pk)


def annotated_copy_open(submission: Submission) -> IO[bytes]:
    """The kept copy, opened to be sent; NoAnnotatedCopy with the sentence while the worker makes it (asking
    it again when its message was lost) or when there is none."""
    if submission.validated_at is None:
        raise NoAnnotatedCopy("The file is still being checked; the copy with the problems marked follows the report.")
    if submission.annotated:
        return submission.annotated.open("rb")
    if submission.annotated_note:
        raise NoAnnotatedCopy(submission.annotated_note)
    annotated_copy_ask(submission)
    raise NoAnnotatedCopy(PREPARING)


def _write(submission: Submission, out: IO[bytes]) -> None:
    """The annotated copy of the stored file into `out`, by what the file is by its content."""
    issues = list(submission.issues.order_by("severity", "id"))
    path = submission.file.path
    with open(path, "rb") as fh:
        file_format = upload_format(fh)
        if file_format == Submission.Format.CSV:
            _streamed(submission, issues, [("Data", "visible", _csv_rows(fh))], long=True).save(out)
            return
        if file_format in XLSX_FORMATS and _unpacked(fh) <= settings.ANNOTATED_FULL_LOAD_BYTES:
            try:  # a file object skips openpyxl's check of the name
                book = load_workbook(fh)
            except Exception:  # an XLSX that openpyxl refuses but calamine read: streamed below
                logger.info("submission %s: openpyxl refused the file; its copy is streamed", submission.pk)
            else:
                _marked_in_place(submission, issues, book, long=file_format not in WORKBOOKS).save(out)
                return
    sheets = _calamine_sheets(CalamineWorkbook.from_path(path))
    _streamed(submission, issues, sheets, long=file_format not in WORKBOOKS).save(out)


def _unpacked(fh: IO[bytes]) -> int:
    with zipfile.ZipFile(fh) as archive:
        size = sum(item.file_size for item in archive.infolist())
    fh.seek(0)
    return size


def _csv_rows(fh: IO[bytes]) -> Iterator[list[str]]:
    """A CSV's records one by one, in UTF-8 (with or without BOM) or, failing that, Windows-1252 as the reader
    takes it; the encoding is found by a pass over the bytes in chunks, never the whole file in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8-sig"
    try:
        while chunk := fh.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "cp1252"
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    first = text.readline()
    delimiter = csv_delimiter(first)
    return csv.reader(chain([first], text), delimiter=delimiter)


def _calamine_sheets(source: CalamineWorkbook) -> Iterator[tuple[str, str, Iterator[Sequence[object]]]]:
    """Every sheet of a workbook as rows from A1 (calamine starts at the first filled cell), with its state
    (visible, hidden, very hidden); one sheet is held at a time."""
    for meta in source.sheets_metadata:
        sheet = source.get_sheet_by_name(meta.name)
        start = sheet.start or (0, 0)
        blank_rows: Iterable[list[object]] = ([] for _ in range(start[0]))
        shifted = ([None] * start[1] + list(row) for row in sheet.iter_rows())
        yield meta.name, _state(meta.visible), chain(blank_rows, shifted)


def _state(visible: SheetVisibleEnum) -> str:
    if visible == SheetVisibleEnum.VeryHidden:
        return "veryHidden"
    return "hidden" if visible == SheetVisibleEnum.Hidden else "visible"


def _cell(sheet: Sheet, value: object = None) -> Cell:
    """A cell to append (its place is set when it is appended, in a streamed sheet as in a whole one)."""
    return Cell(sheet, row=1, column=1, value=value)


def _value(sheet: Sheet, value: object) -> object:
    """A value as written: text stays text even when it starts with '=' (never a formula), characters an XLSX
    cannot hold become U+FFFD, empty text is an empty cell."""
    if value == "" or value is None:
        return None
    if isinstance(value, str) and (value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value)):
        cell = _cell(sheet)
        cell._value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
        return cell
    return value


def _mark(cell: Cell, found: list[ValidationIssue]) -> None:
    worst = Severity.ERROR if any(i.severity == Severity.ERROR for i in found) else Severity.WARNING
    cell.fill = FILLS[worst]
    text = "\n".join(f"{i.get_severity_display()} ({i.rule}): {i.message}" for i in found)
    cell.comment = Comment(text[:30000], "ILMS Portal", width=360, height=120)


def _long_layout_places(header: Sequence[object], sheet: str, issues: list[ValidationIssue]) -> dict[int, Place]:
    """Where each long-layout issue sits: its column in the file's header, or obs_value for a rule across rows."""
    columns = {str(v or "").strip().lower().replace("\ufeff", ""): i for i, v in enumerate(header, start=1)}
    fallback = columns.get("obs_value", 1)
    return {
        issue.pk: (sheet, f"{get_column_letter(columns.get(issue.column or '', fallback))}{issue.row}")
        for issue in issues
        if issue.row
    }


def _workbook_places(issues: list[ValidationIssue]) -> dict[int, Place]:
    return {i.pk: (i.sheet, i.cell) for i in issues if i.cell and i.sheet}


def _by_cell(issues: list[ValidationIssue], places: dict[int, Place]) -> dict[Place, list[ValidationIssue]]:
    found: dict[Place, list[ValidationIssue]] = defaultdict(list)
    for issue in issues:
        if issue.pk in places:
            found[places[issue.pk]].append(issue)
    return found


def _marked_in_place(submission: Submission, issues: list[ValidationIssue], book: Workbook, long: bool) -> Workbook:
    """A workbook opened whole: its cells marked where they are, the list of issues as its first sheet."""
    if long:
        first = book.worksheets[0]
        header = next(first.iter_rows(max_row=1, values_only=True), ())
        places = _long_layout_places(header, first.title, issues)
    else:
        places = _workbook_places(issues)
    places = {pk: place for pk, place in places.items() if place[0] in book.sheetnames}
    for (sheet_name, ref), found in _by_cell(issues, places).items():
        _mark(book[sheet_name][ref], found)
    _listing(book.create_sheet(ISSUES_SHEET, 0), submission, issues, places)
    book.active = 0
    return book


def _streamed(
    submission: Submission,
    issues: list[ValidationIssue],
    sheets: Iterable[tuple[str, str, Iterator[Sequence[object]]]],
    long: bool,
) -> Workbook:
    """A file laid sheet by sheet, row by row, into a write-only workbook, the issues' cells marked on the way;
    the list of issues is its first sheet, written last (each write-only sheet has its own stream)."""
    book = Workbook(write_only=True)
    listing = book.create_sheet(ISSUES_SHEET)
    places = {} if long else _workbook_places(issues)
    written = set()
    for index, (name, state, source) in enumerate(sheets):
        sheet = book.create_sheet(name)
        sheet.sheet_state = state
        written.add(name)
        rows = iter(source)
        if long and index == 0:
            header = next(rows, [])
            places = _long_layout_places(header, name, issues)
            rows = chain([header], rows)
        marks: dict[int, dict[int, list[ValidationIssue]]] = defaultdict(dict)
        for (sheet_name, ref), found in _by_cell(issues, places).items():
            if sheet_name == name:
                letters, row = coordinate_from_string(ref)
                marks[row][column_index_from_string(letters)] = found
        last = 0
        for last, row in enumerate(rows, start=1):
            sheet.append(_marked_row(sheet, [_value(sheet, v) for v in row], marks.pop(last, {})))
        for number, columns in sorted(marks.items()):  # an issue below the last row (a row it misses, say)
            for _ in range(number - last - 1):
                sheet.append([])
            sheet.append(_marked_row(sheet, [], columns))
            last = number
    _listing(listing, submission, issues, {pk: p for pk, p in places.items() if p[0] in written})
    return book


def _marked_row(sheet: Sheet, values: list[object], marks: dict[int, list[ValidationIssue]]) -> list[object]:
    """One streamed row with its issues' cells marked (a cell beyond the row's end is added to hold its mark)."""
    for column, found in marks.items():
        values += [None] * (column - len(values))
        cell = values[column - 1]
        if not isinstance(cell, Cell):
            values[column - 1] = cell = _cell(sheet, cell)
        _mark(cell, found)
    return values


def _listing(listing: Sheet, submission: Submission, issues: list[ValidationIssue], places: dict[int, Place]) -> None:
    """The first sheet: every issue with where it is, linked to its cell when the copy has that cell."""
    for letter, width in zip("ABCDE", (10, 24, 30, 26, 110), strict=True):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A3"
    title = _cell(
        listing,
        f"Submission #{submission.pk} · {submission.country.name} · {submission.round.name} · "
        f"{submission.error_count} errors, {submission.warning_count} warnings",
    )
    title.font = Font(bold=True, size=13)
    listing.append([title])
    heads = [_cell(listing, v) for v in ("Severity", "Rule", "Where", "Indicator", "Message")]
    for head in heads:
        head.font = Font(bold=True)
    listing.append(heads)
    for number, issue in enumerate(issues, start=3):
        place = places.get(issue.pk)
        where = f"{place[0]}!{place[1]}" if place else (f"row {issue.row}" if issue.row else "whole file")
        values = [issue.get_severity_display(), issue.rule, where, issue.indicator or "", issue.message]
        cells = [c if isinstance(c := _value(listing, v), Cell) else _cell(listing, c) for v in values]
        cells[0].fill = FILLS[issue.severity]
        if place:
            cells[2].row, cells[2].column = number, 3  # the link's reference is its cell's
            link_to(cells[2], place[0], place[1])
        listing.append(cells)


def annotated_filename(submission: Submission) -> str:
    stem = submission.original_filename.rsplit(".", 1)[0]
    return f"{stem}-checked-#{submission.pk}.xlsx"
