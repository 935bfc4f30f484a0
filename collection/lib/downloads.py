"""Every file the portal hands out (workbook, annotated copy, audit log, availability, dashboard, observations)
leaves through here: one content type per format, one `Content-Disposition`, one formula guard for cells."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from import_export import resources
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# What a spreadsheet program takes for the start of a formula when it opens a CSV file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

R = TypeVar("R", bound=HttpResponseBase)


def attachment(response: R, filename: str) -> R:
    """Mark a response as a download named `filename` (quoted, or RFC 6266 encoded when it is not ASCII)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def file_response(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    """A whole file made in memory, as a download."""
    return attachment(HttpResponse(content, content_type=content_type), filename)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    return file_response(content, content_type=XLSX, filename=filename)


def xlsx_file_response(fh: IO[bytes], filename: str) -> FileResponse:
    """An XLSX written to a (spooled) file, sent in chunks; the response closes the file."""
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


# A number written as text (-12, +3.5, -1e3): a spreadsheet reads it as the number, never runs it.
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet would run as a formula (a file name, a comment) gets a leading apostrophe;
    a number, even one written as text such as -12, stays the number it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def formula_unguarded(value: Any) -> Any:
    """The text `formula_safe` guarded, as it was typed (an exported file imported back gives what was exported)."""
    if isinstance(value, str) and value.startswith("'") and formula_safe(value[1:]) == value:
        return value[1:]
    return value


class FormulaSafeResource(resources.ModelResource):
    """An import-export resource (the admin's CSV and XLSX exports) whose text never starts a formula in the file,
    and whose import takes the guard off again, so that an export imported back changes nothing."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return formula_safe(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for name, value in list(row.items()):
            row[name] = formula_unguarded(value)
        super().before_import_row(row, **kwargs)


def text_cell(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write an XLSX cell; text that people typed stays text even when it starts with '=' (no formula injection:
    openpyxl stores any other text as a string, which no spreadsheet runs)."""
    cell = sheet.cell(row, column, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def text_only_cell(sheet: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    """A cell of a streamed (write-only) workbook holding `value` as text, so that nothing in it is ever read as
    a formula or a number; characters an XLSX cannot hold become U+FFFD. Empty values stay empty."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)) if value else None)
    if value:
        cell.data_type = "s"
    return cell


# Lines per chunk of a streamed CSV: a chunk per line made the server's writes, not the CSV, most of the time.
CSV_CHUNK_LINES = 2000


def csv_lines(rows: Iterable[Iterable[Any]], *, guard: bool = True, bom: bool = True) -> Iterator[str]:
    """CSV text in chunks of lines, for a streamed response (memory stays that of one chunk): a BOM first so that
    spreadsheet programs read UTF-8, and cells guarded against formulas, unless asked otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    for count, row in enumerate(rows, 1):
        writer.writerow([formula_safe(cell) for cell in row] if guard else row)
        if count % CSV_CHUNK_LINES == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_streamed(
    rows: Iterable[Iterable[Any]], filename: str, *, guard: bool = True, bom: bool = True
) -> StreamingHttpResponse:
    """A CSV download written while it is sent, for exports too long to hold in memory."""
    return attachment(StreamingHttpResponse(csv_lines(rows, guard=guard, bom=bom), content_type=CSV), filename)
