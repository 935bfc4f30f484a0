"""Reading the standard workbook back into the long layout, robust to what people do in Excel.

Rows are found by the code in column A (so sorted and inserted rows do not matter), columns by the hidden
codes row; formulas give their cached value; '..', '-', 'n.a.' and empty cells are no value (not zero);
numbers typed as text, with thousands separators or spaces, are numbers. Sheets the template did not make
are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from collection.catalogue.layout import CODES_ROW, MIGRANT_DEFINITIONS, SOURCE_COLUMNS, SOURCES_SHEET, ValueColumn
from collection.lib.cells import cell_text, cell_value
from collection.lib.files import IDENTITY_SHEET, UnreadableFile
from collection.models.layout import LAYOUT_COLUMNS
from collection.validation.readers.base import ROW, LongTable, ReadProblem, SourceRow


def _identity(workbook: CalamineWorkbook) -> dict[str, str | None]:
    rows = workbook.get_sheet_by_name(IDENTITY_SHEET).to_python()
    return {str(r[0]): cell_text(r[1]) for r in rows if len(r) >= 2 and r[0]}


def _sources(
    workbook: CalamineWorkbook, indicators: set[str]
) -> tuple[list[SourceRow], dict[str, str], list[ReadProblem]]:
    """The Sources sheet: one description per table; also where each table's source-type cell is."""
    if SOURCES_SHEET not in workbook.sheet_names:
        return (
            [],
            {},
            [
                {
                    "rule": "workbook.sources_missing",
                    "message": "The 'Sources' sheet is missing: download "
                    "the workbook again and copy your values into it.",
                    "sheet": None,
                    "cell": None,
                }
            ],
        )
    rows = workbook.get_sheet_by_name(SOURCES_SHEET).to_python(skip_empty_area=False)
    sources: list[SourceRow] = []
    cells: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        indicator = str(row[0]).strip().upper() if row else ""
        if indicator not in indicators:
            continue
        values = dict(zip(SOURCE_COLUMNS, [cell_text(v) or "" for v in row] + [""] * len(SOURCE_COLUMNS), strict=False))
        cells[indicator] = f"C{number}"
        definition = values["migrant_definition"].strip().lower()
        sources.append(
            {
                "indicator": indicator,
                "source_type": values["source_type"].strip().split(" ", 1)[0].upper(),
                "name": values["name"].strip(),
                "agency": values["agency"].strip(),
                "reference_period": values["reference_period"].strip(),
                "coverage": values["coverage"].strip(),
                "migrant_definition": MIGRANT_DEFINITIONS.get(definition, definition),
                "notes": values["notes"].strip(),
                "_row": number,
            }
        )
    return sources, cells, []


def _table_rows(
    name: str,
    rows: Sequence[Sequence[object]],
    country: str | None,
    source: str | None,
    out: dict[str, list[object]],
    problems: list[ReadProblem],
) -> None:
    """Append one table sheet's values to the columns of `out` (the long layout plus positions)."""
    codes_row = next((i for i, r in enumerate(rows[: CODES_ROW + 20]) if r and str(r[0]).strip() == "code"), None)
    if codes_row is None:
        problems.append(
            {
                "rule": "workbook.structure",
                "sheet": name,
                "cell": f"A{CODES_ROW}",
                "message": f"Sheet {name} has lost its hidden codes row ({CODES_ROW}); copy your values "
                "into a freshly downloaded workbook.",
            }
        )
        return
    columns = {i: column for i, v in enumerate(rows[codes_row]) if (column := ValueColumn.from_key(v)) is not None}
    for r in range(codes_row + 1, len(rows)):
        row = rows[r]
        code = str(row[0]).strip().upper() if row and row[0] is not None else ""
        cells = {i: cell_value(row[i]) for i in columns if i < len(row)}
        filled = {i: v for i, v in cells.items() if v is not None}
        if not filled:
            continue
        if not code:
            first = min(filled)
            problems.append(
                {
                    "rule": "workbook.no_code",
                    "sheet": name,
                    "cell": f"A{r + 1}",
                    "message": f"Row {r + 1} of {name} has values but no code in column A, so the portal "
                    "cannot tell which category they belong to.",
                    "first_value": f"{get_column_letter(first + 1)}{r + 1}",
                }
            )
            continue
        for i, value in filled.items():
            column = columns[i]
            out[ROW].append(r + 1)
            out["_sheet"].append(name)
            out["_cell"].append(f"{get_column_letter(i + 1)}{r + 1}")
            given = {
                "ref_area": country,
                "indicator": name,
                "source": source,
                "sex": column.sex,
                "classif1": code,
                "classif2": column.classif2 or None,
                "time": column.time,
                "obs_value": value,
            }
            for key in LAYOUT_COLUMNS:
                out[key].append(given.get(key))


def read_workbook(path: Path) -> LongTable:
    """The standard workbook as long-layout rows, its source metadata and its identity."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        identity = _identity(workbook)
        indicators = {n for n in workbook.sheet_names if re.fullmatch(r"M[A-Z]{2}_[A-Z0-9_]+", n)}
        sources, source_cells, problems = _sources(workbook, indicators)
        source_of = {s["indicator"]: s["source_type"] or None for s in sources}
        out: dict[str, list[object]] = {c: [] for c in (ROW, "_sheet", "_cell", *LAYOUT_COLUMNS)}
        for name in sorted(indicators, key=workbook.sheet_names.index):
            before = len(out[ROW])
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            _table_rows(name, rows, identity.get("country", ""), source_of.get(name), out, problems)
            if len(out[ROW]) > before and not source_of.get(name):
                # Without a source the values have no key: one clear error instead of one per cell.
                for values in out.values():
                    del values[before:]
                problems.append(
                    {
                        "rule": "sources.missing_type",
                        "sheet": SOURCES_SHEET,
                        "cell": source_cells.get(name),
                        "indicator": name,
                        "message": f"Choose the source type of {name} in column C of the Sources sheet "
                        "(labour force survey, census, administrative records...); its values "
                        "are checked once it has one.",
                    }
                )
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine's own errors for damaged archives
        raise UnreadableFile(
            f"The workbook could not be read ({exc}). Save it again as .xlsx or .ods and re-upload."
        ) from exc
    frame = pl.DataFrame(
        out, schema={ROW: pl.UInt32, "_sheet": pl.String, "_cell": pl.String, **{c: pl.String for c in LAYOUT_COLUMNS}}
    )
    frame = frame.select(ROW, *LAYOUT_COLUMNS, "_sheet", "_cell")
    return LongTable(frame=frame, kind="workbook", problems=problems, sources=sources, identity=identity)
