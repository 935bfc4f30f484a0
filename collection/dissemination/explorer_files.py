"""What leaves the explorer: the downloads of exactly what the page shows (CSV, XLSX) and the matching machine
queries (`/api/v1/observations/`, `/sdmx/data/`), so that a journalist's table can be fetched again by code."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from collection.catalogue.specs import TableSpec
from collection.dissemination.explorer import BREAKDOWNS, LONG_COLUMNS, Selection, Shown
from collection.dissemination.sdmx.keys import data_path
from collection.lib.downloads import text_cell
from collection.models import Country


def explorer_csv_rows(shown: Shown) -> Iterator[list[Any]]:
    """The long rows the table shows, in its order: a header, then one value per line (numbers stay numbers)."""
    yield list(LONG_COLUMNS)
    for value in shown.values:
        yield [value[c] for c in LONG_COLUMNS]


def explorer_xlsx(shown: Shown) -> bytes:
    """The table as laid out on the page (values as numbers, footnotes as comments and listed below), and the
    same values one per row on a second sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Table"
    text_cell(sheet, 1, 1, shown.table.title).font = Font(bold=True)
    text_cell(sheet, 2, 1, f"{shown.table.indicator} · thousands of persons")
    for n, (name, code, label) in enumerate(shown.fixed, start=3):
        text_cell(sheet, n, 1, f"{name}: {label} ({code})")
    top = 4 + len(shown.fixed)
    headers = [shown.axis_names[a] for a in shown.row_axes]
    for column, text in enumerate(headers + [label for _, label in shown.columns], start=1):
        text_cell(sheet, top, column, text).font = Font(bold=True)
    for r, row in enumerate(shown.rows, start=top + 1):
        for column, (_, label) in enumerate(row.headers, start=1):
            text_cell(sheet, r, column, label)
        for column, cell in enumerate(row.cells, start=len(headers) + 1):
            if cell is not None:
                target = sheet.cell(r, column, cell.value)
                if cell.notes:
                    target.comment = Comment("\n".join(shown.footnotes[n - 1] for n in cell.notes), "ILMS")
    below = top + len(shown.rows) + 2
    for n, text in enumerate(shown.footnotes, start=1):
        text_cell(sheet, below + n - 1, 1, f"{n}. {text}")
    values = book.create_sheet("Values")
    for r, line in enumerate(explorer_csv_rows(shown), start=1):
        for column, item in enumerate(line, start=1):
            if isinstance(item, str):
                text_cell(values, r, column, item)
            else:
                values.cell(r, column, item)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sdmx_data_url(selection: Selection, spec: TableSpec, *, fmt: str = "sdmx-csv") -> str:
    """The SDMX data query of the choice, built by the SDMX service's own key builder; a dimension whose every
    code is chosen is left open (SDMX's wildcard), so the URL stays short."""
    assert selection.indicator is not None
    countries = list(Country.objects.values_list("iso3", flat=True))
    chosen: dict[str, list[str]] = {"ref_area": [] if set(countries) <= set(selection.ref_area) else selection.ref_area}
    for column in BREAKDOWNS:
        if column in spec.dimensions:
            codes = selection.codes[column]
            chosen[column] = [] if set(spec.dimensions[column].codes) <= set(codes) else codes
    params = [("startPeriod", selection.time_from), ("endPeriod", selection.time_to), ("as_of", selection.as_of)]
    query = urlencode([("format", fmt), *((k, v) for k, v in params if v)])
    return f"{data_path(selection.indicator, chosen)}?{query}"


def api_query_url(selection: Selection, spec: TableSpec) -> str:
    """The `GET /api/v1/observations/` query that answers the same values (comma-separated lists)."""
    assert selection.indicator is not None
    countries = list(Country.objects.values_list("iso3", flat=True))
    params = [("indicator", selection.indicator), ("ref_area", ",".join(selection.ref_area))]
    if set(countries) <= set(selection.ref_area):
        params = params[:1]
    for column in BREAKDOWNS:
        if column in spec.dimensions and not set(spec.dimensions[column].codes) <= set(selection.codes[column]):
            params.append((column, ",".join(selection.codes[column])))
    params += [("time_from", selection.time_from), ("time_to", selection.time_to), ("as_of", selection.as_of)]
    return "/api/v1/observations/?" + urlencode([(k, v) for k, v in params if v], safe=",")
