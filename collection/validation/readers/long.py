"""Readers that turn an uploaded long-layout file (CSV, XLSX or ODS) into one polars frame of text columns.

What a file is comes from its bytes, never its name (`upload_format`). Every value stays text here, with
`_row` the line in the file (header = row 1); the checks parse and judge.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from collection.lib.cells import cell_text
from collection.lib.files import HEAD_BYTES, UnreadableFile, csv_delimiter, decode_text, unsupported_format
from collection.validation.readers.base import ROW, LongTable, damaged_file, frame_from_columns

# The long layout's header, every ILOSTAT column and label included, is a few hundred characters: a first line
# longer than this is no header (a file without line ends, or a line of data), and is not split into columns.
MAX_HEADER_CHARS = 10_000
DATA_CHARACTER = re.compile(rb"[^\r\n\t ,;]")


def read_csv(path: Path) -> LongTable:
    """A CSV as Excel and other tools write it: UTF-8 with or without BOM (or UTF-16 with its BOM), comma,
    semicolon or tab, CRLF or LF."""
    raw = Path(path).read_bytes()
    refusal = unsupported_format(raw[:HEAD_BYTES], io.BytesIO(raw))
    if refusal:
        raise UnreadableFile(refusal)
    data, notes = decode_text(raw)
    if not data.strip():
        raise UnreadableFile("The file is empty. It needs a header row and one row per observation.")
    end = data.find(b"\n", 0, 4 * MAX_HEADER_CHARS + 1)  # a UTF-8 character is at most 4 bytes
    first_line = data[: end if end >= 0 else 4 * MAX_HEADER_CHARS + 1].decode("utf-8", errors="replace").rstrip("\r")
    if end < 0 and len(data) > 4 * MAX_HEADER_CHARS or len(first_line) > MAX_HEADER_CHARS:
        raise UnreadableFile(
            f"The first line is longer than {MAX_HEADER_CHARS:,} characters, so it is not a header of column names "
            f'(it begins "{first_line[:60]}…"). Row 1 must name the columns of the long layout, one line per row.',
            row=1,
        )
    delimiter = csv_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter))
    if len(header) < 2:
        raise UnreadableFile(
            "The first line is not a header of comma- or semicolon-separated column names "
            f'(it reads "{first_line[:80]}").'
        )
    names = [f"c{i}" for i in range(len(header))]
    if end < 0 or not DATA_CHARACTER.search(data, end + 1):  # searched in place: no copy of a large file
        raise UnreadableFile("The file has a header but no data rows: add one row per observation.")
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=delimiter,
            has_header=False,
            skip_rows=1,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError) as exc:
        raise UnreadableFile(f"The file could not be read as CSV: {str(exc).splitlines()[0]}") from exc
    # Cells beyond the header are ignored; columns that no row fills are empty.
    frame = frame.select(frame.columns[: len(names)])
    frame.columns = names[: frame.width]
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(n) for n in names[frame.width :])
    frame = frame.with_row_index(ROW, offset=2)
    table = frame_from_columns(header, frame)
    table.notes += notes
    table.decimal_comma = delimiter == ";"
    return table


def read_xlsx(path: Path) -> LongTable:
    """The first sheet of an XLSX or ODS workbook in the long layout (python-calamine reads both alike)."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise UnreadableFile("The workbook has no sheet.")
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged archives
        raise damaged_file(exc) from exc
    if not rows or not any(cell_text(v) for v in rows[0]):
        raise UnreadableFile("The first sheet is empty: row 1 must hold the column names of the long layout.")
    header = [cell_text(v) or "" for v in rows[0]]
    width = len(header)
    body: Sequence[Sequence[object]] = rows[1:]
    if any(len(row) != width for row in body):  # calamine gives a rectangle; pad or cut anything else
        body = [(list(row) + [None] * width)[:width] for row in body]
    # Column by column with map: a few times faster than appending cell by cell on 200,000-row sheets.
    columns = [list(map(cell_text, column)) for column in zip(*body, strict=True)] if body else [[]] * width
    frame = pl.DataFrame(
        {f"c{i}": col for i, col in enumerate(columns)}, schema={f"c{i}": pl.String for i in range(width)}
    ).with_row_index(ROW, offset=2)
    return frame_from_columns(header, frame)
