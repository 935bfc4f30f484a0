"""The per-country data-availability report: which tables and years are published, from which source types,
and where the series break, as the ILO's own reporting system gives it to countries (page and XLSX)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill

from collection.lib.downloads import text_cell
from collection.models import Country, Observation, Release, SourceType, TableDefinition
from collection.publication.vintages import public_versions
from collection.workbook.build import BOLD, CENTER, HEADER_FILL, MUTED, TITLE

BREAK = "B"  # obs_status: break in series
# Tables are read in the collection's three families, named by the indicator's prefix.
TABLE_GROUPS = {
    "MST": "Migrant stocks in the country",
    "MFL": "Inflows of foreign citizens",
    "MNA": "Nationals abroad: stocks, outflows and returns",
}
OTHER_GROUP = "Other tables"
FILLED = PatternFill("solid", fgColor="E3F1E6")
BROKEN = PatternFill("solid", fgColor="FDF0D5")


@dataclass(frozen=True)
class Cell:
    """What is published for one table and one year."""

    sources: tuple[str, ...]
    n: int
    breaks: int

    @property
    def label(self) -> str:
        """The cell as text (XLSX): source codes, then (B) when the series breaks."""
        return ", ".join(self.sources) + (f" ({BREAK})" if self.breaks else "")


@dataclass
class Row:
    table: TableDefinition
    cells: list[tuple[str, Cell | None]]  # per year of the report

    @property
    def n(self) -> int:
        return sum(c.n for _, c in self.cells if c)


@dataclass
class Group:
    label: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Availability:
    country: Country
    years: list[str]
    groups: list[Group]
    legend: list[tuple[str, str]]  # every source type: code, label
    last_published: object  # datetime of the country's latest release, or None

    @property
    def n(self) -> int:
        return sum(r.n for g in self.groups for r in g.rows)

    @property
    def tables(self) -> int:
        return sum(1 for g in self.groups for r in g.rows if r.n)

    @property
    def breaks(self) -> int:
        return sum(1 for g in self.groups for r in g.rows for _, c in r.cells if c and c.breaks)


def year_span(times: set[str]) -> list[str]:
    """Every year from the first to the last, so that a gap shows as a gap; other periods as they come."""
    if times and all(t.isdigit() for t in times):
        return [str(y) for y in range(min(map(int, times)), max(map(int, times)) + 1)]
    return sorted(times)


def table_group(indicator: str) -> str:
    return TABLE_GROUPS.get(indicator.split("_", 1)[0], OTHER_GROUP)


def country_availability(country: Country) -> Availability:
    """Every catalogue table × the span of published years, from one aggregate query over current values."""
    counts = (
        public_versions(Observation.objects.filter(ref_area=country.iso3))
        .values("indicator", "time", "source")
        .annotate(n=Count("id"), breaks=Count("id", filter=Q(obs_status=BREAK)))
        .order_by()
    )
    found: dict[tuple[str, str], dict] = {}
    for row in counts:
        cell = found.setdefault((row["indicator"], row["time"]), {"sources": set(), "n": 0, "breaks": 0})
        cell["sources"].add(row["source"])
        cell["n"] += row["n"]
        cell["breaks"] += row["breaks"]
    years = year_span({time for _, time in found})
    groups: dict[str, Group] = {label: Group(label) for label in [*TABLE_GROUPS.values(), OTHER_GROUP]}
    for table in TableDefinition.objects.all():
        cells = []
        for year in years:
            c = found.get((table.indicator, year))
            cells.append((year, Cell(tuple(sorted(c["sources"])), c["n"], c["breaks"]) if c else None))
        groups[table_group(table.indicator)].rows.append(Row(table, cells))
    last = _released(Release.objects.filter(publications__submission__country=country)).aggregate(
        last=Max("public_at")
    )["last"]
    return Availability(
        country=country,
        years=years,
        groups=[g for g in groups.values() if g.rows],
        legend=list(SourceType.objects.values_list("code", "label")),
        last_published=last,
    )


def countries_summary() -> list[dict]:
    """One line per country for the countries page: published tables, years covered, last publication."""
    published = {
        row["ref_area"]: row
        for row in public_versions(Observation.objects.all())
        .values("ref_area")
        .annotate(tables=Count("indicator", distinct=True), first=Min("time"), last=Max("time"))
        .order_by()
    }
    released = dict(
        _released(Release.objects.all())
        .values("publications__submission__country_id")
        .annotate(last=Max("public_at"))
        .values_list("publications__submission__country_id", "last")
        .order_by()
    )
    lines = []
    for country in Country.objects.all():
        row = published.get(country.iso3)
        lines.append(
            {
                "country": country,
                "tables": row["tables"] if row else 0,
                "first": row["first"] if row else None,
                "last": row["last"] if row else None,
                "last_published": released.get(country.iso3),
            }
        )
    return lines


def _released(releases: QuerySet[Release]) -> QuerySet[Release]:
    return releases.filter(Release.public_q(timezone.now()))


def availability_filename(country: Country) -> str:
    return f"ILMS_availability_{country.iso3}_{timezone.localdate().isoformat()}.xlsx"


def availability_xlsx(report: Availability) -> bytes:
    """The report as a workbook: the matrix (source codes, (B) for a break) and a legend sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Availability"
    country = report.country
    text_cell(sheet, 1, 1, f"Data availability: {country.name} ({country.iso3})").font = TITLE
    generated = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    text_cell(sheet, 2, 1, f"Published master table, current values. Generated {generated}.").font = MUTED
    header = 4
    for col, text in enumerate(["Indicator", "Table", *report.years], start=1):
        cell = text_cell(sheet, header, col, text)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTER
    row = header
    for group in report.groups:
        row += 1
        text_cell(sheet, row, 1, group.label).font = BOLD
        for r in group.rows:
            row += 1
            text_cell(sheet, row, 1, r.table.indicator)
            text_cell(sheet, row, 2, r.table.title)
            for col, (_, c) in enumerate(r.cells, start=3):
                if c is not None:
                    cell = text_cell(sheet, row, col, c.label)
                    cell.alignment = CENTER
                    cell.fill = BROKEN if c.breaks else FILLED
    if not report.years:
        text_cell(sheet, row + 2, 1, f"{country.name} has no published data yet.").font = MUTED
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60
    sheet.freeze_panes = sheet.cell(header + 1, 3)

    legend = book.create_sheet("Legend")
    text_cell(legend, 1, 1, "Legend").font = TITLE
    text_cell(legend, 3, 1, "Code").font = BOLD
    text_cell(legend, 3, 2, "Source type").font = BOLD
    for i, (code, label) in enumerate(report.legend, start=4):
        text_cell(legend, i, 1, code)
        text_cell(legend, i, 2, label)
    notes = [
        (f"({BREAK})", "Break in series: at least one value of the cell carries observation status B."),
        ("(empty)", "No published value for that table and year."),
    ]
    for i, (code, text) in enumerate(notes, start=len(report.legend) + 5):
        text_cell(legend, i, 1, code)
        text_cell(legend, i, 2, text).alignment = Alignment(wrap_text=True)
    legend.column_dimensions["A"].width = 12
    legend.column_dimensions["B"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
