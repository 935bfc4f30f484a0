"""Writing rows in ILOSTAT's long layout, the one format every way in (upload, workbook, grid) reduces to."""

from __future__ import annotations

import csv
import io

LONG_HEADER = [
    "ref_area",
    "indicator",
    "source",
    "sex",
    "classif1",
    "classif2",
    "time",
    "obs_value",
    "obs_status",
    "note",
]


def rows_to_csv(rows: list[dict[str, str]], *, delimiter: str = ",") -> str:
    """The rows as a long-layout CSV (UTF-8 text, header first)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=LONG_HEADER, delimiter=delimiter, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
