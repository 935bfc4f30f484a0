"""The cross-tabulation of a table, shared by the workbook, its reader and the browser grid.

Rows are the categories of the first breakdown (classif1); columns are years × second breakdown × sex.
Everyone who lays out or reads a table asks here, so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from collection.catalogue.specs import TableSpec
from collection.models import DataSource

TEMPLATE_VERSION = 1
COVER_SHEET = "Cover"
SOURCES_SHEET = "Sources"
TEMPLATE_SEXES = ("SEX_T", "SEX_M", "SEX_F")
FIRST_DATA_ROW = 7  # rows 1-2 title and notes, 3-5 headers, 6 the hidden codes row
CODES_ROW = 6
FIRST_VALUE_COLUMN = 3  # A code, B label
# The Sources sheet: a table's code and title, then its source's description (a contract of TEMPLATE_VERSION:
# tests/workbook pins these columns, so a change to the model's list shows up as a new template version).
SOURCE_COLUMNS = ("indicator", "title", *DataSource.DESCRIPTION_FIELDS)
MIGRANT_DEFINITIONS = {"place of birth": "place_of_birth", "citizenship": "citizenship"}


@dataclass(frozen=True)
class ValueColumn:
    """One column of values: its year, second-breakdown code ('' when none) and sex."""

    time: str
    classif2: str
    sex: str

    @property
    def key(self) -> str:
        """The text written in the hidden codes row, read back to find the column whatever Excel did."""
        return f"{self.time}|{self.classif2}|{self.sex}"

    @classmethod
    def from_key(cls, key: object) -> ValueColumn | None:
        """The column a codes-row cell names, whatever type Excel left in it; None for any other cell."""
        parts = str(key).split("|")
        return cls(*parts) if len(parts) == 3 else None


@dataclass(frozen=True)
class TableLayout:
    """A table laid out for one country and the round's years."""

    spec: TableSpec
    years: tuple[int, ...]
    rows: tuple[tuple[str, str], ...]  # (code, label) of classif1
    columns: tuple[ValueColumn, ...]
    classif2_labels: dict[str, str]
    sex_labels: dict[str, str]

    @property
    def indicator(self) -> str:
        return self.spec.indicator

    @property
    def total_code(self) -> str | None:
        return self.spec.dimensions["classif1"].total


def table_layout(spec: TableSpec, years: list[int], country: str, labels: dict[str, str]) -> TableLayout:
    """Lay a table out: every code of classif1 (a partner list without the reporting country), and for each
    year every code of classif2 (if any) × total, male, female."""
    classif1 = spec.dimensions["classif1"]
    codes = list(classif1.codes)
    if classif1.kind == "partner" and classif1.total is not None:  # an admin may have deleted its TOTAL
        own = classif1.total.rsplit("_", 1)[0] + "_" + country
        codes = [c for c in codes if c != own]
    classif2 = spec.dimensions.get("classif2")
    c2_codes = list(classif2.codes) if classif2 else [""]
    sexes = [s for s in TEMPLATE_SEXES if s in spec.dimensions["sex"].codes]
    columns = tuple(ValueColumn(str(y), c2, s) for y in sorted(years) for c2 in c2_codes for s in sexes)
    return TableLayout(
        spec=spec,
        years=tuple(sorted(years)),
        rows=tuple((c, labels.get(c, c)) for c in codes),
        columns=columns,
        classif2_labels={c: labels.get(c, c) for c in c2_codes if c},
        sex_labels={s: labels.get(s, s) for s in sexes},
    )
