"""Readers that turn an uploaded long-layout file (CSV or XLSX) into one polars frame of text columns.

Every value stays text here, with `_row` the line in the file (header = row 1); the checks parse and judge.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from ..models.layout import LAYOUT_COLUMNS

# Every column of the long layout may appear; these must (an empty classif2 or obs_status may be left out).
REQUIRED_COLUMNS = ("ref_area", "indicator", "source", "sex", "classif1", "time", "obs_value")
ROW = "_row"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNPACKED_BYTES = 1536 * 2**20  # an XLSX of a few MB cannot honestly unpack to more (zip bombs do)


class UnreadableFile(Exception):
    """The file cannot be read (or is refused as a whole); the message tells the focal point what to do."""

    def __init__(self, message: str, rule: str = "file.unreadable") -> None:
        super().__init__(message)
        self.rule = rule


@dataclass
class LongTable:
    """The rows of an upload in the long layout, whatever its file looked like, with what the reader noticed.

    `frame` has the layout's columns as text, `_row` (the line or sheet row), and `_sheet`/`_cell` where the
    value sits in a workbook (null for the long layout)."""

    frame: pl.DataFrame
    missing_columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimal_comma: bool = False
    kind: str = "long"
    problems: list[dict] = field(default_factory=list)  # issues found while reading (rule, message, sheet, cell)
    sources: list[dict] = field(default_factory=list)  # source metadata read from a workbook's Sources sheet
    identity: dict = field(default_factory=dict)  # a workbook's template version, round and country


def _normalise_header(names: list[str]) -> tuple[list[str], list[str]]:
    """Lower-case, trim and drop ILOSTAT's `*.label` columns; returns the names and the duplicates."""
    cleaned = [str(n or "").replace("\ufeff", "").strip().lower() for n in names]
    seen: set[str] = set()
    duplicates = []
    for name in cleaned:
        if name in LAYOUT_COLUMNS and name in seen:
            duplicates.append(name)
        seen.add(name)
    return cleaned, duplicates


def _frame_from_columns(header: list[str], frame: pl.DataFrame) -> LongTable:
    """Keep the layout's columns (adding the absent optional ones as empty), drop blank rows, trim text."""
    names, duplicates = _normalise_header(header)
    if duplicates:
        raise UnreadableFile(
            f"The header names {', '.join(sorted(set(duplicates)))} more than once; each column must appear once."
        )
    frame.columns = [ROW] + [f"{i}:{n}" for i, n in enumerate(names)]
    picked = {}
    for i, name in enumerate(names):
        if name in LAYOUT_COLUMNS:
            picked[name] = pl.col(f"{i}:{name}")
    unknown = [n for n in names if n and n not in LAYOUT_COLUMNS and not n.endswith(".label")]
    missing = [c for c in REQUIRED_COLUMNS if c not in picked]
    exprs = [pl.col(ROW)]
    for name in LAYOUT_COLUMNS:
        source = picked.get(name, pl.lit(None, dtype=pl.String))
        text = source.cast(pl.String).str.strip_chars()
        exprs.append(pl.when(text == "").then(None).otherwise(text).alias(name))
    exprs += [pl.lit(None, dtype=pl.String).alias("_sheet"), pl.lit(None, dtype=pl.String).alias("_cell")]
    out = frame.select(exprs)
    out = out.filter(~pl.all_horizontal(pl.col(c).is_null() for c in LAYOUT_COLUMNS))
    return LongTable(frame=out, missing_columns=missing, unknown_columns=unknown)


def _decode(data: bytes) -> tuple[bytes, list[str]]:
    """UTF-8 with or without BOM; a Windows-1252 file (Excel's "CSV" on Windows) is read with a note."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        return data, []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace").encode("utf-8"), [
            "The file is not UTF-8; it was read as Windows-1252 (Excel's default). Save as "
            '"CSV UTF-8" if any accented text looks wrong.'
        ]


def read_csv(path: Path) -> LongTable:
    """A CSV as Excel and other tools write it: UTF-8 with or without BOM, comma or semicolon, CRLF or LF."""
    raw = Path(path).read_bytes()
    if raw.startswith(OLE2_MAGIC):
        raise UnreadableFile(
            "This is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx or as CSV UTF-8 and upload it again."
        )
    if b"\x00" in raw[:4096]:
        raise UnreadableFile(
            "The file is not a CSV text file (it contains binary data). Upload the long layout as CSV or XLSX."
        )
    data, notes = _decode(raw)
    if not data.strip():
        raise UnreadableFile("The file is empty. It needs a header row and one row per observation.")
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    if len(header) < 2:
        raise UnreadableFile(
            "The first line is not a header of comma- or semicolon-separated column names "
            f'(it reads "{first_line[:80]}").'
        )
    names = [f"c{i}" for i in range(len(header))]
    if not data.split(b"\n", 1)[1:] or not data.split(b"\n", 1)[1].strip(b"\r\n\t ,;"):
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
    table = _frame_from_columns(header, frame)
    table.notes += notes
    table.decimal_comma = delimiter == ";"
    return table


def _cell_text(value: object) -> str | None:
    """Excel cells as the text a person typed: 2024.0 is "2024", dates are ISO, empty is None."""
    if type(value) is str:  # most cells: checked first, the reader calls this for every cell
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path) -> LongTable:
    """The first sheet of an XLSX workbook in the long layout (read with python-calamine)."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise UnreadableFile("The workbook has no sheet.")
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged archives
        raise UnreadableFile(
            f"The file could not be opened as an Excel workbook ({exc}). Save it again as .xlsx and re-upload."
        ) from exc
    if not rows or not any(_cell_text(v) for v in rows[0]):
        raise UnreadableFile("The first sheet is empty: row 1 must hold the column names of the long layout.")
    header = [_cell_text(v) or "" for v in rows[0]]
    width = len(header)
    body = rows[1:]
    if any(len(row) != width for row in body):  # calamine gives a rectangle; pad or cut anything else
        body = [(list(row) + [None] * width)[:width] for row in body]
    # Column by column with map: a few times faster than appending cell by cell on 200,000-row sheets.
    columns = [list(map(_cell_text, column)) for column in zip(*body, strict=True)] if body else [[]] * width
    frame = pl.DataFrame(
        {f"c{i}": col for i, col in enumerate(columns)}, schema={f"c{i}": pl.String for i in range(width)}
    ).with_row_index(ROW, offset=2)
    return _frame_from_columns(header, frame)


def read_upload(path: Path) -> LongTable:
    """Read an upload by what it is: the standard workbook, a long-layout XLSX, or a long-layout CSV."""
    from ..workbook.parse import is_standard_workbook, read_workbook

    with open(path, "rb") as fh:
        head = fh.read(4)
    if head != ZIP_MAGIC:
        return read_csv(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise UnreadableFile(
                    "This workbook contains macros (.xlsm). For security the portal does not accept macro-enabled "
                    "files: save it as an Excel Workbook (.xlsx) and upload it again.",
                    rule="file.macro",
                )
            unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise UnreadableFile(
                    f"This workbook unpacks to {unpacked // 2**20:,} MB, more than the portal reads "
                    f"({MAX_UNPACKED_BYTES // 2**20:,} MB). Split it, or upload the long layout as CSV.",
                    rule="file.too_large",
                )
            standard = is_standard_workbook(archive)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(
            f"The file could not be opened as an Excel workbook ({exc}). Save it again as .xlsx and re-upload."
        ) from exc
    return read_workbook(path) if standard else read_xlsx(path)
