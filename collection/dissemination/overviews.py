"""Country and region overviews: a few key figures per country with their trend, and a region's members'
outflows by destination region with the intra-regional matrices (between two of its members, from membership).

Every value is read through `vintages.seen_versions`: the public reads released values only, ILO staff and the
country's focal points also the embargoed ones, which carry their release moment so the page can mark them.
Reads are bulk (`values_list`); a missing value stays missing (never 0), and a series never mixes sources.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from collection.dissemination.regions import DestinationGroups, destination_groups, within_label
from collection.lib.users import RequestUser
from collection.models import Country, Observation, ObservationStatus, Region, SourceType
from collection.publication.vintages import seen_versions

EXPLORER_PATH = "/explore/"  # the public data explorer (issue 12, item 5), which reads these query parameters
OUTFLOWS = "MNA_OEMP_SEX_CDS_NB"
NATIONALS_ABROAD = "MNA_TPOP_SEX_CRS_NB"
FOREIGN_BORN = "MST_FORP_SEX_CBR_NB"
EMPLOYMENT = "MST_TEMP_SEX_AGE_CBR_NB"
TOTAL_SEX = "SEX_T"
# Columns read per value: key, value, flag, note, and the release moment that decides whether it is public.
COLUMNS = (
    "indicator",
    "ref_area",
    "source",
    "classif1",
    "time",
    "obs_value",
    "obs_status",
    "note",
    "publication__release__public_at",
    "publication__release__withdrawn_at",
)


@dataclass(frozen=True)
class FigureSpec:
    """Which cell of which table a key figure is: the catalogue's codes (ILOSTAT's), totals where they apply."""

    slug: str
    label: str
    description: str
    indicator: str
    classif1: str
    classif2: str = ""
    sex: str = TOTAL_SEX


KEY_FIGURES = (
    FigureSpec(
        "employed-migrants",
        "Employed migrant workers",
        "Employed persons aged 15+ born abroad",
        EMPLOYMENT,
        "AGE_YTHADULT_YGE15",
        "CBR_BIR_FOREIGN",
    ),
    FigureSpec(
        "foreign-born",
        "Foreign-born working-age population",
        "Persons aged 15+ living in the country and born abroad, all countries of birth",
        FOREIGN_BORN,
        "CBR_BRT_TOTAL",
    ),
    FigureSpec(
        "outflows",
        "Outflows of nationals for employment",
        "Nationals who left in the year to work abroad, all destinations",
        OUTFLOWS,
        "CDS_DES_TOTAL",
    ),
    FigureSpec(
        "nationals-abroad",
        "Nationals abroad",
        "Nationals living abroad, all countries of residence",
        NATIONALS_ABROAD,
        "CRS_RES_TOTAL",
    ),
)


@dataclass(frozen=True)
class Point:
    """One published value with what the page says about it."""

    time: str
    value: Decimal
    flag: str
    note: str
    embargoed: bool  # not public yet: the reader sees it as ILO staff or the country's focal point
    public_at: datetime | None  # when it comes (or came) out; None for a withdrawn release


@dataclass(frozen=True)
class Footnote:
    time: str
    flag: str
    flag_label: str
    note: str


@dataclass
class KeyFigure:
    spec: FigureSpec
    points: list[Point]  # the series of one source, oldest first
    source: str = ""
    source_label: str = ""
    other_sources: list[str] = field(default_factory=list)  # labels of sources left out of the trend
    data_url: str = ""
    explore_url: str = ""
    footnotes: list[Footnote] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def previous(self) -> Point | None:
        """The value of the year just before the latest one (same source), if published."""
        latest = self.latest
        if latest is None or not latest.time.isdigit():
            return None
        wanted = str(int(latest.time) - 1)
        return next((p for p in self.points if p.time == wanted), None)

    @property
    def change(self) -> Decimal | None:
        latest, previous = self.latest, self.previous
        return latest.value - previous.value if latest and previous else None

    @property
    def change_percent(self) -> float | None:
        previous, change = self.previous, self.change
        if previous is None or change is None or not previous.value:
            return None
        return float(change / previous.value * 100)

    @property
    def embargoed(self) -> bool:
        return any(p.embargoed for p in self.points)


@dataclass
class CountryOverview:
    country: Country
    figures: list[KeyFigure]

    @property
    def published(self) -> bool:
        return any(f.points for f in self.figures)

    @property
    def embargoed(self) -> bool:
        return any(f.embargoed for f in self.figures)


def explorer_url(indicator: str, ref_area: str) -> str:
    return f"{EXPLORER_PATH}?{urlencode({'indicator': indicator, 'ref_area': ref_area})}"


def _is_embargoed(public_at: datetime | None, withdrawn_at: datetime | None, now: datetime) -> bool:
    return withdrawn_at is not None or public_at is None or public_at > now


def country_overview(*, country: Country, user: RequestUser) -> CountryOverview:
    """The country's key figures as the user may see them, read in one query over the four cells' series."""
    cells = Q()
    for spec in KEY_FIGURES:
        cells |= Q(indicator=spec.indicator, sex=spec.sex, classif1=spec.classif1, classif2=spec.classif2)
    base = Observation.objects.filter(cells, ref_area=country.iso3)  # key columns only, as vintages asks
    now = timezone.now()
    series: dict[tuple[str, str], list[Point]] = defaultdict(list)  # (indicator, source) → points
    for indicator, _area, source, _c1, time, value, flag, note, public_at, withdrawn_at in (
        seen_versions(user, base).order_by("time").values_list(*COLUMNS)
    ):
        embargoed = _is_embargoed(public_at, withdrawn_at, now)
        series[(indicator, source)].append(
            Point(time, value, flag, note, embargoed, None if withdrawn_at is not None else public_at)
        )
    sources = dict(SourceType.objects.values_list("code", "label"))
    flags = dict(ObservationStatus.objects.values_list("code", "label"))
    figures = []
    for spec in KEY_FIGURES:
        by_source = {source: points for (indicator, source), points in series.items() if indicator == spec.indicator}
        figure = KeyFigure(
            spec=spec,
            points=[],
            data_url=reverse("data_table", args=[spec.indicator, country.iso3]),
            explore_url=explorer_url(spec.indicator, country.iso3),
        )
        if by_source:
            # The source with the latest year (then the longest series) carries the figure; a trend never
            # joins two sources, so the others are only named.
            source = max(by_source, key=lambda s: (by_source[s][-1].time, len(by_source[s]), s))
            figure.source, figure.source_label = source, sources.get(source, source)
            figure.points = by_source[source]
            figure.other_sources = [sources.get(s, s) for s in sorted(by_source) if s != source]
            figure.footnotes = [
                Footnote(p.time, p.flag, flags.get(p.flag, p.flag), p.note) for p in figure.points if p.flag or p.note
            ]
        figures.append(figure)
    return CountryOverview(country=country, figures=figures)


@dataclass(frozen=True)
class Cell:
    """One value of a member's table, or a sum of them, with the table and reporting country it comes from."""

    value: Decimal
    indicator: str
    reporter: str  # '' for a sum over several reporters (a column total)
    flag: str = ""
    embargoed: bool = False  # the value, or a part of the sum, is not public yet


Cells = dict[tuple[str, str, str], Cell]  # (indicator, reporter, classif1) → the value of the page's year


@dataclass
class RegionRow:
    country: Country
    total: Cell | None  # the published total over all destinations (not the sum of the parts)
    regions: list[Cell | None]  # per region of the page's columns; None: nothing published there
    latest_year: str | None  # the country's latest year of outflows, when it has none in the page's year

    @property
    def published(self) -> bool:
        return self.total is not None or any(self.regions)


@dataclass
class MatrixRow:
    country: Country
    cells: list[tuple[Country, Cell | None]]  # per destination, in the order of the members
    total: Cell | None  # the sum of the row's published cells

    @property
    def published(self) -> bool:
        return any(cell for _, cell in self.cells)


@dataclass
class StockCell:
    """The same migrants counted from both sides: the origin's nationals abroad, the destination's foreign-born."""

    nationals_abroad: Cell | None
    foreign_born: Cell | None

    @property
    def empty(self) -> bool:
        return self.nationals_abroad is None and self.foreign_born is None


@dataclass
class RegionOverview:
    region: Region
    year: str | None
    years: list[str]
    members: list[Country]
    region_labels: list[str]
    region_rows: list[RegionRow]
    flows: list[MatrixRow]
    flow_totals: list[Cell | None]  # per destination: the sum of its column
    flow_total: Cell | None  # all published flows between members
    stocks: list[tuple[Country, list[StockCell | None]]]
    embargoed: bool
    asked_year: str | None  # a year asked for that has no data (the page says so and shows `year`)

    @property
    def published(self) -> bool:
        return any(r.published for r in self.region_rows)

    @property
    def within(self) -> str:
        """The label of the first destination group: the region's own members."""
        return within_label(self.region.name)

    @property
    def published_members(self) -> int:
        return sum(1 for row in self.region_rows if row.published)

    @property
    def outflows_total(self) -> Cell | None:
        """The members' published totals over all destinations, added up (a key figure of the regions page)."""
        return _sum(row.total for row in self.region_rows)


def _sum(cells: Iterable[Cell | None], reporter: str = "") -> Cell | None:
    """The sum of the published cells of the outflows table; None when none is (missing is not zero)."""
    present = [c for c in cells if c is not None]
    if not present:
        return None
    total = sum((c.value for c in present), Decimal(0))
    return Cell(total, OUTFLOWS, reporter, embargoed=any(c.embargoed for c in present))


def _one_source(rows: list[tuple]) -> list[tuple]:
    """A table's country-year published from two sources is read from one: the one with more values (then by code)."""
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[(row[0], row[1], row[4])][row[2]] += 1
    chosen = {key: max(by_source, key=lambda s: (by_source[s], s)) for key, by_source in counts.items()}
    return [row for row in rows if chosen[(row[0], row[1], row[4])] == row[2]]


def region_overview(*, region: Region, user: RequestUser, year: str | None = None) -> RegionOverview:
    """The region's members' outflows by destination region and the intra-regional matrices for one year (the
    latest year most members report outflows for when `year` is not given or has nothing), as the user may see
    them. Three tables, one query: outflows by destination (MNA_OEMP), nationals abroad by residence (MNA_TPOP),
    foreign-born by birth (MST_FORP), all for both sexes."""
    members = list(region.countries.order_by("name"))
    base = Observation.objects.filter(
        indicator__in=[OUTFLOWS, NATIONALS_ABROAD, FOREIGN_BORN], ref_area__in=[c.iso3 for c in members], sex=TOTAL_SEX
    )
    now = timezone.now()
    rows = _one_source(list(seen_versions(user, base).values_list(*COLUMNS)))
    outflow_years: dict[str, set[str]] = defaultdict(set)
    for indicator, area, _source, _classif1, time, *_values in rows:
        if indicator == OUTFLOWS:
            outflow_years[area].add(time)
    years = sorted({row[4] for row in rows}, reverse=True)
    # By default the latest year that most members report outflows for: one country's early figures alone
    # would leave the page mostly empty.
    coverage = Counter(y for ys in outflow_years.values() for y in ys)
    latest_outflows = max(coverage, key=lambda y: (coverage[y], y), default=None)
    chosen = year if year in years else latest_outflows or (years[0] if years else None)

    cells: Cells = {}
    for indicator, area, _source, classif1, time, value, flag, _note, public_at, withdrawn_at in rows:
        if time == chosen:
            cells[(indicator, area, classif1)] = Cell(
                value, indicator, area, flag, _is_embargoed(public_at, withdrawn_at, now)
            )
    groups = destination_groups(region.name, (c.iso3 for c in members))
    labels, region_rows = _by_region(members, groups, cells, outflow_years, chosen)
    flows = []
    for origin in members:
        line = [
            (dest, None if dest == origin else cells.get((OUTFLOWS, origin.iso3, f"CDS_DES_{dest.iso3}")))
            for dest in members
        ]
        flows.append(MatrixRow(origin, line, _sum((c for _, c in line), origin.iso3)))
    stocks = _both_sides(members, cells)
    return RegionOverview(
        region=region,
        year=chosen,
        years=years,
        members=members,
        region_labels=labels,
        region_rows=region_rows,
        flows=flows,
        flow_totals=[_sum(row.cells[i][1] for row in flows) for i in range(len(members))],
        flow_total=_sum(row.total for row in flows),
        stocks=stocks,
        embargoed=any(c.embargoed for c in _shown(region_rows, flows, stocks)),
        asked_year=year if year and year != chosen else None,
    )


def _by_region(
    members: list[Country],
    groups: DestinationGroups,
    cells: Cells,
    outflow_years: dict[str, set[str]],
    year: str | None,
) -> tuple[list[str], list[RegionRow]]:
    """Each member's outflows summed by destination group; only the groups someone goes to, in the groups'
    order (the region's own members first)."""
    parts: dict[str, dict[str, list[Cell]]] = defaultdict(lambda: defaultdict(list))  # origin → region → cells
    for (indicator, area, classif1), cell in cells.items():
        if indicator == OUTFLOWS and not classif1.endswith("_TOTAL"):
            parts[area][groups.of(classif1)].append(cell)
    labels = [label for label in groups.labels if any(label in by_region for by_region in parts.values())]
    rows = []
    for country in members:
        latest = max(outflow_years[country.iso3], default=None)
        rows.append(
            RegionRow(
                country=country,
                total=cells.get((OUTFLOWS, country.iso3, "CDS_DES_TOTAL")),
                regions=[_sum(parts[country.iso3].get(label, []), country.iso3) for label in labels],
                latest_year=latest if latest != year else None,
            )
        )
    return labels, rows


def _both_sides(members: list[Country], cells: Cells) -> list[tuple[Country, list[StockCell | None]]]:
    """Per origin and destination: the origin's nationals resident there and the destination's residents born in
    the origin (None on the diagonal)."""
    return [
        (
            origin,
            [
                None
                if dest == origin
                else StockCell(
                    nationals_abroad=cells.get((NATIONALS_ABROAD, origin.iso3, f"CRS_RES_{dest.iso3}")),
                    foreign_born=cells.get((FOREIGN_BORN, dest.iso3, f"CBR_BRT_{origin.iso3}")),
                )
                for dest in members
            ],
        )
        for origin in members
    ]


def _shown(
    region_rows: list[RegionRow], flows: list[MatrixRow], stocks: list[tuple[Country, list[StockCell | None]]]
) -> Iterator[Cell]:
    """Every value the page shows (the banner about embargoed values is for those alone)."""
    for region_row in region_rows:
        yield from (c for c in (region_row.total, *region_row.regions) if c)
    for flow_row in flows:
        yield from (c for _, c in flow_row.cells if c)
    for _origin, line in stocks:
        for pair in line:
            yield from (c for c in (pair.nationals_abroad, pair.foreign_born) if c) if pair else ()


def regions_overview(*, user: RequestUser) -> list[RegionOverview]:
    """Every region with its members and key figures for its latest year of outflows, in the regions' order
    (one read per region: there are a few)."""
    return [region_overview(region=r, user=user) for r in Region.objects.prefetch_related("countries")]


def countries_by_region(lines: list[dict]) -> list[tuple[Region | None, list[dict]]]:
    """The countries page's lines grouped by region (a country in two regions is listed in both); the countries
    of no region last, under None."""
    by_iso3 = {line["country"].iso3: line for line in lines}
    groups: list[tuple[Region | None, list[dict]]] = []
    placed: set[str] = set()
    for region in Region.objects.prefetch_related("countries"):
        members = sorted(region.countries.all(), key=lambda c: c.name)
        groups.append((region, [by_iso3[c.iso3] for c in members if c.iso3 in by_iso3]))
        placed.update(c.iso3 for c in members)
    rest = [line for line in lines if line["country"].iso3 not in placed]
    return groups + ([(None, rest)] if rest else [])
