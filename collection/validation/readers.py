"""Readers that turn an uploaded long-layout file (CSV, XLSX or ODS) into one polars frame of text columns.

What a file is comes from its bytes, never its name (`upload_format`). Every value stays text here, with
`_row` the line in the file (header = row 1); the checks parse and judge.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl
from python_calamine import CalamineWorkbook

from collection.models import Submission
from collection.models.layout import LAYOUT_COLUMNS

# Every column of the long layout may appear; these must (an empty classif2 or obs_status may be left out).
REQUIRED_COLUMNS = ("ref_area", "indicator", "source", "sex", "classif1", "time", "obs_value")
ROW = "_row"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HEAD_BYTES = 4096
F = Submission.Format
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
    file_format: str = ""  # the Submission.Format the file was read as


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


def _unsupported(head: bytes) -> str | None:
    """Why a file that is neither CSV, XLSX nor ODS cannot be read, saying what to save it as instead."""
    if head.startswith(OLE2_MAGIC):
        return "This is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx or as CSV UTF-8 and upload it again."
    if head.startswith(ZIP_MAGIC):
        return (
            "This is a ZIP archive but not a spreadsheet (.xlsx or .ods). Upload the standard workbook, or the "
            "long layout as CSV, XLSX or ODS."
        )
    if b"<office:document" in head and ODS_MIMETYPE in head:
        return (
            "This is a flat OpenDocument spreadsheet (.fods), which the portal does not read. In LibreOffice, "
            "save it as ODF Spreadsheet (.ods) or Excel 2007-365 (.xlsx) and upload it again."
        )
    if b"\x00" in head:
        return "The file is not a CSV text file (it contains binary data). Upload the long layout as CSV, XLSX or ODS."
    return None


def read_csv(path: Path) -> LongTable:
    """A CSV as Excel and other tools write it: UTF-8 with or without BOM, comma or semicolon, CRLF or LF."""
    raw = Path(path).read_bytes()
    refusal = _unsupported(raw[:HEAD_BYTES])
    if refusal:
        raise UnreadableFile(refusal)
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
    """Spreadsheet cells as the text a person typed: 2024.0 is "2024", dates are ISO, empty is None."""
    if type(value) is str:  # most cells: checked first, the reader calls this for every cell
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        # 15 significant digits, what a spreadsheet holds and shows: a binary artefact such as 2.4000000000000004
        # (Excel's cached formula results; LibreOffice writes the same cell as 2.4) reads as typed.
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _damaged(exc: Exception) -> UnreadableFile:
    return UnreadableFile(
        f"The file could not be opened as an Excel workbook ({exc}). Save it again as .xlsx or .ods and re-upload."
    )


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
        raise _damaged(exc) from exc
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


def _is_ods(archive: zipfile.ZipFile) -> bool:
    """An OpenDocument spreadsheet says so in its `mimetype` member (read no further than that text)."""
    if "mimetype" not in archive.namelist():
        return False
    with archive.open("mimetype") as member:
        return member.read(len(ODS_MIMETYPE) + 2).strip() == ODS_MIMETYPE


def _archive_format(archive: zipfile.ZipFile) -> str:
    """An archive's format by its members: ODS by its `mimetype`, XLSX by its `xl/` parts."""
    from collection.workbook.parse import is_standard_workbook

    if _is_ods(archive):
        spreadsheet = (F.ODS, F.WORKBOOK_ODS)
    elif any(n.startswith("xl/") for n in archive.namelist()):
        spreadsheet = (F.XLSX, F.WORKBOOK)
    else:
        return F.OTHER
    if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
        return spreadsheet[0]  # not searched: reading refuses it for its size
    return spreadsheet[1] if is_standard_workbook(archive) else spreadsheet[0]


def upload_format(fh: BinaryIO) -> str:
    """What an upload is by its content (a Submission.Format value): the name may say anything. A ZIP that
    cannot be opened counts as XLSX, so that reading it says it is damaged."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    try:
        if not head.startswith(ZIP_MAGIC):
            return F.OTHER if _unsupported(head) else F.CSV
        try:
            with zipfile.ZipFile(fh) as archive:
                return _archive_format(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError):
            return F.XLSX
    finally:
        fh.seek(0)


def _is_macro(name: str) -> bool:
    """An XLSX's VBA project, or an ODS's Basic module or script (not the empty library indexes it may keep)."""
    if name.lower().endswith("vbaproject.bin"):
        return True
    return name.startswith(("Basic/", "Scripts/")) and not name.endswith(("/", "script-lc.xml", "script-lb.xml"))


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse, before reading, a workbook with macros or one that unpacks to more than any honest file."""
    if any(_is_macro(n) for n in archive.namelist()):
        raise UnreadableFile(
            "This workbook contains macros (.xlsm, or an .ods with macros). For security the portal does not "
            "accept macro-enabled files: save it as an Excel Workbook (.xlsx) or an .ods without macros and "
            "upload it again.",
            rule="file.macro",
        )
    unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            f"This workbook unpacks to {unpacked // 2**20:,} MB, more than the portal reads "
            f"({MAX_UNPACKED_BYTES // 2**20:,} MB). Split it, or upload the long layout as CSV.",
            rule="file.too_large",
        )


def read_upload(path: Path) -> LongTable:
    """Read an upload by what it is: the standard workbook (XLSX or ODS), a long-layout XLSX or ODS, or a
    long-layout CSV; anything else ends as one clear error."""
    from collection.workbook.parse import read_workbook

    with open(path, "rb") as fh:
        file_format = upload_format(fh)
        if file_format in {F.XLSX, F.ODS, F.WORKBOOK, F.WORKBOOK_ODS}:
            try:
                with zipfile.ZipFile(fh) as archive:
                    _check_archive(archive)
            except zipfile.BadZipFile as exc:
                raise _damaged(exc) from exc
    readers = {F.WORKBOOK: read_workbook, F.WORKBOOK_ODS: read_workbook, F.XLSX: read_xlsx, F.ODS: read_xlsx}
    table = readers.get(file_format, read_csv)(path)  # read_csv refuses the other kinds, each in its words
    table.file_format = file_format
    return table
