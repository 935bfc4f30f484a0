"""The SDMX-CSV writer's plain lines (one format string per row) are the csv module's lines, cell for cell: a
row with a cell to quote or guard is written by the csv module itself."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from collection.dissemination.sdmx.data import ROW_COLUMNS
from collection.dissemination.sdmx.layout import flow_layouts
from collection.dissemination.sdmx.writers import _cells, columns, csv_message
from collection.lib.downloads import formula_safe
from tests.dissemination.sdmx_helpers import FORP


def _row(**cells: object) -> tuple[object, ...]:
    base: dict[str, object] = {
        "ref_area": "THA",
        "sex": "SEX_F",
        "classif1": "CBR_BIR_FOREIGN",
        "classif2": "",
        "time": "2024",
        "obs_value": "412.6",
        "obs_status": "",
        "source": "BA",
        "note": "",
        "note_classif": "",
        "note_indicator": "",
        "note_source": "",
    }
    return tuple({**base, **cells}[c] for c in ROW_COLUMNS)


def _expected(layout, rows) -> str:
    """The message as the csv module writes it, every text attribute guarded."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", *columns(layout)])
    cells, lead = _cells(layout), ["dataflow", f"ILO:{layout.flow}(1.0)", "I"]
    for row in rows:
        line = cells(row)
        line[-5:] = [formula_safe(t) if t else t for t in line[-5:]]
        writer.writerow(lead + line)
    return out.getvalue()


def test_plain_and_quoted_rows_are_written_as_the_csv_module_writes_them(catalogue):
    layout = flow_layouts(FORP)[FORP]
    rows = [
        _row(),
        _row(obs_value=Decimal("1500"), obs_status="B", time="2023"),
        _row(obs_value="-12.5"),
        _row(note="workers' estimate, revised"),
        _row(note='the "census" weights'),
        _row(note="=HYPERLINK(1)"),
        _row(note_source="line one\nline two"),
        _row(note_indicator="-12 is not a formula"),
        _row(note_classif="@home", source="AA"),
        _row(note="100% of 15+"),
    ]
    assert "".join(csv_message(layout, iter(rows))) == _expected(layout, rows)
