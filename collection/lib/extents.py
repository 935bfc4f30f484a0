"""How many cells a workbook's sheets span, found before any reader allocates them.

A reader lays a sheet out as a rectangle from A1 to its last cell, so a 2 KB XLSX with one value in A1 and one
in XFD1048576 asks for 17 billion cells: calamine tried to allocate 550 GB and aborted the worker (an abort is
not an exception: the process dies, and its message comes back to kill the next one). The sheets' XML is
scanned in chunks for the cells' references, so the scan itself holds one chunk. ODS files are bounded by
calamine itself (it refuses more than 100 million repeated cells) and by the unpacked size."""

from __future__ import annotations

import re
import zipfile

from django.conf import settings

from collection.lib.files import UnreadableFile

CHUNK = 1 << 20
SHEET_MEMBER = re.compile(r"xl/worksheets/[^/]+\.xml")
ROW_REF = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
CELL_COLUMN = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d')


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def sheet_extent(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """The last row and column a sheet's cells reach, by their references (rows without one count one each;
    cells without one take their bytes of XML each, so the unpacked limit bounds them)."""
    last_row = rows = last_column = 0
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(CHUNK):
            text = tail + chunk
            cut = max(text.rfind(b"<"), 0)  # an element cut at the chunk's end is scanned with the next one
            text, tail = text[:cut], text[cut:]
            refs = ROW_REF.findall(text)
            rows += text.count(b"<row") - len(refs)
            if refs:
                last_row = max(last_row, max(map(int, refs)))
            columns = set(CELL_COLUMN.findall(text))
            if columns:
                last_column = max(last_column, max(map(column_number, columns)))
    return max(last_row, rows), last_column


def check_sheet_extents(archive: zipfile.ZipFile) -> None:
    """Refuse, before any reader allocates it, a sheet whose cells span more than a worker reads within its
    memory budget (a reader holds about 64 bytes per cell of the rectangle from A1)."""
    limit = settings.MAX_SHEET_CELLS
    for member in archive.namelist():
        if not SHEET_MEMBER.fullmatch(member):
            continue
        last_row, last_column = sheet_extent(archive, member)
        if last_row * last_column > limit:
            raise UnreadableFile(
                f"A sheet of this workbook reaches row {last_row:,} and column {last_column:,} "
                f"({last_row * last_column:,} cells from A1), more than the portal reads ({limit:,} cells). "
                "Delete the cells far below or to the right of your data (Ctrl+End shows the last one), or upload "
                "the long layout as CSV.",
                rule="file.too_large",
            )
