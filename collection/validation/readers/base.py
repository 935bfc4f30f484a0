"""What every reader returns: the rows in the long layout, with what reading them noticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

import polars as pl

from collection.lib.files import UnreadableFile
from collection.models.layout import LAYOUT_COLUMNS

# Every column of the long layout may appear; these must (an empty classif2 or obs_status may be left out).
REQUIRED_COLUMNS = ("ref_area", "indicator", "source", "sex", "classif1", "time", "obs_value")


ROW = "_row"


class ReadProblem(TypedDict):
    """What a reader found wrong with the file's shape, where it is, before any check ran."""

    rule: str
    message: str
    sheet: NotRequired[str | None]
    cell: NotRequired[str | None]
    indicator: NotRequired[str]
    first_value: NotRequired[str]  # the first value of a row without a code


class SourceRow(TypedDict):
    """One table's line of a workbook's Sources sheet, as text, and the sheet row it came from."""

    indicator: str
    source_type: str
    name: str
    agency: str
    reference_period: str
    coverage: str
    migrant_definition: str
    notes: str
    _row: int


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
    problems: list[ReadProblem] = field(default_factory=list)  # issues found while reading (rule, message, sheet, cell)
    sources: list[SourceRow] = field(default_factory=list)  # source metadata read from a workbook's Sources sheet
    identity: dict[str, str | None] = field(default_factory=dict)  # a workbook's template version, round and country
    file_format: str = ""  # the Submission.Format the file was read as


def normalise_header(names: list[str]) -> tuple[list[str], list[str]]:
    """Lower-case, trim and drop ILOSTAT's `*.label` columns; returns the names and the duplicates."""
    cleaned = [str(n or "").replace("\ufeff", "").strip().lower() for n in names]
    seen: set[str] = set()
    duplicates = []
    for name in cleaned:
        if name in LAYOUT_COLUMNS and name in seen:
            duplicates.append(name)
        seen.add(name)
    return cleaned, duplicates


def frame_from_columns(header: list[str], frame: pl.DataFrame) -> LongTable:
    """Keep the layout's columns (adding the absent optional ones as empty), drop blank rows, trim text."""
    names, duplicates = normalise_header(header)
    if duplicates:
        where = "; ".join(
            f"{name} in columns {' and '.join(str(i + 1) for i, n in enumerate(names) if n == name)}"
            for name in sorted(set(duplicates))
        )
        raise UnreadableFile(
            f"The header names {', '.join(sorted(set(duplicates)))} more than once ({where}); each column must "
            "appear once: delete or rename the extra one.",
            row=1,
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


def damaged_file(exc: Exception) -> UnreadableFile:
    """Why a spreadsheet could not be read, in words: calamine refuses a sheet laid out over more cells than it
    will hold (an ODS may say a row repeats a million times), which is not damage."""
    if "Cell limit exceeded" in str(exc):
        return UnreadableFile(
            "A sheet of this spreadsheet spans more cells than the portal reads (at most 100 million): something "
            "was typed, or formatted, far below or to the right of the table. Delete the rows and columns after "
            "your table, save, and upload it again.",
            rule="file.too_large",
        )
    return UnreadableFile(
        f"The file could not be opened as an Excel workbook ({exc}). Save it again as .xlsx or .ods and re-upload."
    )
