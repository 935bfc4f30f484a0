"""The completeness of a round: who has reported which table, who is late, and how publication progressed.

Read by the dashboard page, its htmx refresh and its XLSX/CSV download, so the three always agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from collection.lib.downloads import formula_safe
from collection.models import Region, Round, Submission, SubmissionEvent
from collection.models.submissions import NOT_STARTED
from collection.rounds.lifecycle import round_deadlines
from collection.rounds.progress import TableState, round_table_states, table_status_label

EXPORT_FORMATS = {"xlsx": XLSX, "csv": CSV}


def table_short_code(indicator: str) -> str:
    """A column heading that fits: the ILOSTAT code without its group prefix, sex and unit
    (MST_TEMP_SEX_AGE_CBR_NB → TEMP AGE CBR)."""
    parts = indicator.split("_")
    kept = [p for p in parts[1:] if p not in {"SEX", "NB"}]
    return " ".join(kept) or indicator


@dataclass(frozen=True)
class DashboardFilter:
    """What the person asked to see: one status, one country, only what is overdue (GET parameters)."""

    status: str = ""
    country: str = ""
    overdue: bool = False

    @classmethod
    def from_query(cls, params: QueryDict, countries: set[str]) -> DashboardFilter:
        """Unknown values are ignored rather than refused: the form only offers valid ones."""
        status = params.get("status", "")
        country = params.get("country", "").upper()
        return cls(
            status=status if status in Submission.Status.table_statuses() else "",
            country=country if country in countries else "",
            overdue=params.get("overdue") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.country or self.overdue)

    def matches(self, cell: Cell) -> bool:
        return (
            (not self.status or cell.status == self.status)
            and (not self.country or cell.iso3 == self.country)
            and (not self.overdue or cell.overdue)
        )

    def query(self) -> str:
        params = QueryDict(mutable=True)
        if self.status:
            params["status"] = self.status
        if self.country:
            params["country"] = self.country
        if self.overdue:
            params["overdue"] = "1"
        return params.urlencode()


@dataclass(frozen=True)
class Cell:
    """One table of one country: its state, and by how many days it is late (0 when it is not)."""

    iso3: str
    indicator: str
    state: TableState
    days_overdue: int
    matches: bool = True

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def published(self) -> bool:
        """Published in this round, also when a newer file (returned, or awaiting review) carries it now."""
        return self.state.published_in_round

    @property
    def key(self) -> str:
        return f"{self.iso3}:{self.indicator}"


@dataclass
class Row:
    """A country of the round: its deadline, its tables, and how far along it is."""

    iso3: str
    name: str
    deadline: dt.date
    days_overdue: int  # days past the deadline while any table is not yet submitted; 0 otherwise
    cells: list[Cell]

    @property
    def published(self) -> int:
        return sum(c.published for c in self.cells)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.cells)


@dataclass
class Column:
    """A requested table and its totals over the countries shown."""

    indicator: str
    title: str
    short: str
    published: int = 0
    overdue: int = 0


@dataclass
class Completeness:
    round: Round
    filters: DashboardFilter
    today: dt.date
    rows: list[Row]  # the countries shown (those with a cell that matches the filters)
    columns: list[Column]
    counts: dict[str, int]  # cells per status over the whole round, in the order a table travels
    published: int  # cells of the whole round published in it (their latest file may be a newer one)
    overdue: int  # overdue cells over the whole round
    total: int  # cells of the whole round
    countries: list[tuple[str, str]] = field(default_factory=list)  # every country of the round, for the filter

    @property
    def shown(self) -> int:
        return sum(c.matches for row in self.rows for c in row.cells)

    @property
    def shown_total(self) -> int:
        return sum(len(row.cells) for row in self.rows)

    @property
    def published_shown(self) -> int:
        return sum(row.published for row in self.rows)

    @property
    def overdue_shown(self) -> int:
        return sum(row.overdue for row in self.rows)

    @property
    def published_percent(self) -> int:
        return round(100 * self.published / self.total) if self.total else 0

    def status_links(self) -> list[dict]:
        """The totals by status, each a link that filters on it (or, for the current one, clears it)."""
        return [
            {
                "status": status,
                "label": table_status_label(status),
                "n": n,
                "current": status == self.filters.status,
                "query": replace(self.filters, status="" if status == self.filters.status else status).query(),
            }
            for status, n in self.counts.items()
        ]

    def overdue_query(self) -> str:
        return replace(self.filters, overdue=not self.filters.overdue).query()

    def matching_cells(self) -> list[tuple[Row, Cell]]:
        return [(row, cell) for row in self.rows for cell in row.cells if cell.matches]


def round_completeness(
    round_: Round, *, filters: DashboardFilter | None = None, today: dt.date | None = None
) -> Completeness:
    """The round's matrix of countries × requested tables with its totals, restricted by `filters`."""
    filters = filters or DashboardFilter()
    today = today or timezone.localdate()
    states = round_table_states(round_)
    deadlines = round_deadlines(round_)
    tables = list(round_.tables.order_by("sort_order", "indicator").values_list("indicator", "title"))
    countries = list(round_.countries.order_by("name").values_list("iso3", "name"))
    shorts = [table_short_code(indicator) for indicator, _ in tables]
    if len(set(shorts)) < len(shorts):  # two tables would read alike: keep the full codes
        shorts = [indicator for indicator, _ in tables]
    columns = {
        indicator: Column(indicator=indicator, title=title, short=short)
        for (indicator, title), short in zip(tables, shorts, strict=True)
    }
    counts: Counter[str] = Counter()
    overdue = published = 0
    rows = []
    for iso3, name in countries:
        late = max((today - deadlines[iso3]).days, 0)
        cells = []
        for indicator in columns:
            state = states[(iso3, indicator)]
            cell = Cell(iso3=iso3, indicator=indicator, state=state, days_overdue=0 if state.with_ilo else late)
            cells.append(replace(cell, matches=filters.matches(cell)))
            counts[state.status] += 1
            overdue += cell.overdue
            published += cell.published
        row = Row(
            iso3=iso3,
            name=name,
            deadline=deadlines[iso3],
            days_overdue=late if any(c.overdue for c in cells) else 0,
            cells=cells,
        )
        if any(c.matches for c in cells):
            rows.append(row)
    for row in rows:
        for cell in row.cells:
            columns[cell.indicator].published += cell.published
            columns[cell.indicator].overdue += cell.overdue
    return Completeness(
        round=round_,
        filters=filters,
        today=today,
        rows=rows,
        columns=list(columns.values()),
        counts={status: counts[status] for status in Submission.Status.table_statuses()},
        published=published,
        overdue=overdue,
        total=len(countries) * len(columns),
        countries=countries,
    )


# The download


class CompletenessResource(resources.Resource):
    """One line per (country, table) shown on the dashboard, for the XLSX and CSV downloads."""

    country = fields.Field(attribute="country", column_name="Country")
    country_name = fields.Field(attribute="country_name", column_name="Country name")
    table = fields.Field(attribute="table", column_name="Table")
    table_title = fields.Field(attribute="table_title", column_name="Table title")
    status = fields.Field(attribute="status", column_name="Status")
    submission = fields.Field(attribute="submission", column_name="Submission", widget=widgets.IntegerWidget())
    status_changed_at = fields.Field(
        attribute="status_changed_at", column_name="Status changed at", widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M")
    )
    deadline = fields.Field(attribute="deadline", column_name="Deadline", widget=widgets.DateWidget("%Y-%m-%d"))
    days_overdue = fields.Field(attribute="days_overdue", column_name="Days overdue", widget=widgets.IntegerWidget())

    class Meta:
        fields = [
            "country",
            "country_name",
            "table",
            "table_title",
            "status",
            "submission",
            "status_changed_at",
            "deadline",
            "days_overdue",
        ]


def completeness_lines(board: Completeness) -> list[dict]:
    titles = {c.indicator: c.title for c in board.columns}
    return [
        {
            "country": row.iso3,
            "country_name": row.name,
            "table": cell.indicator,
            "table_title": titles[cell.indicator],
            "status": cell.label,
            "submission": cell.state.submission_id,
            "status_changed_at": cell.state.changed_at,
            "deadline": row.deadline,
            "days_overdue": cell.days_overdue,
        }
        for row, cell in board.matching_cells()
    ]


def completeness_export(board: Completeness, fmt: str) -> tuple[bytes | str, str, str]:
    """The file's content, content type and name; `fmt` is a key of EXPORT_FORMATS."""
    file_format = EXPORT_FORMATS[fmt]()
    lines = completeness_lines(board)
    if not file_format.is_binary():  # a CSV: text a spreadsheet would run is guarded, numbers stay numbers
        lines = [{name: formula_safe(value) for name, value in line.items()} for line in lines]
    dataset = CompletenessResource().export(lines, force_native_type=file_format.is_binary())
    dataset.title = "Completeness"
    filename = f"{slugify(board.round.name)}-completeness-{board.today:%Y-%m-%d}.{file_format.get_extension()}"
    content_type = file_format.get_content_type()
    if not file_format.is_binary():
        content_type += "; charset=utf-8"
    return file_format.export_data(dataset), content_type, filename


# Progress over time


@dataclass(frozen=True)
class Week:
    start: dt.date  # the Monday
    published: int  # (country, table) pairs published for the first time that week
    cumulative: int


def round_progress(round_: Round, *, today: dt.date | None = None) -> list[Week]:
    """(Country, table) pairs of the round first published in each week, from its opening to today
    (or its closing); a later republication of the same table does not count again."""
    today = today or timezone.localdate()
    start = timezone.localdate(round_.opened_at or round_.created_at)
    ended = round_.status in Round.Status.ended() and round_.closed_at
    end = max(timezone.localdate(round_.closed_at) if ended else today, start)
    tables = set(round_.tables.values_list("indicator", flat=True))
    countries = set(round_.countries.values_list("iso3", flat=True))
    first: dict[tuple[str, str], dt.datetime] = {}
    events = (
        SubmissionEvent.objects.filter(submission__round=round_, to_status=Submission.Status.PUBLISHED)
        .order_by("at", "id")
        .values_list("at", "submission__country_id", "submission__indicators")
    )
    for at, iso3, indicators in events:
        for indicator in indicators or []:
            if iso3 in countries and indicator in tables:
                first.setdefault((iso3, indicator), at)
    monday = start - dt.timedelta(days=start.weekday())
    weeks = (end - monday).days // 7 + 1
    per_week = Counter(min(max((timezone.localdate(at) - monday).days // 7, 0), weeks - 1) for at in first.values())
    series, total = [], 0
    for index in range(weeks):
        total += per_week[index]
        series.append(Week(start=monday + dt.timedelta(weeks=index), published=per_week[index], cumulative=total))
    return series


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    week: Week


@dataclass
class ProgressChart:
    """Where to draw the weekly bars and the cumulative line of an inline SVG (no script, no library)."""

    width: int
    height: int
    plot: dict[str, float]  # left, right, top, bottom edges of the plotting area
    bars: list[Bar]
    line: str  # polyline points of the cumulative count
    points: list[tuple[float, float, Week]]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    description: str


WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34


def _nice_ceiling(value: int) -> int:
    """The axis top: 4, 6, 8, 10, 20, 40… at or above `value`, so that it and its half are round numbers."""
    step = 1
    while True:
        for nice in (1, 2, 4, 6, 8, 10):
            if nice * step >= value:
                return max(nice * step, 4)
        step *= 10


def progress_chart(weeks: list[Week]) -> ProgressChart | None:
    """Bars for the tables published each week, a line for the running total; None before any publication."""
    if not weeks or weeks[-1].cumulative == 0:
        return None
    top = _nice_ceiling(weeks[-1].cumulative)
    left, right, upper, lower = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    slot = (right - left) / len(weeks)

    def y(value: int) -> float:
        return round(lower - value / top * (lower - upper), 1)

    bars, points = [], []
    for index, week in enumerate(weeks):
        centre = left + slot * (index + 0.5)
        width = max(slot * 0.6, 1.0)
        bars.append(
            Bar(
                x=round(centre - width / 2, 1),
                y=y(week.published),
                width=round(width, 1),
                height=round(lower - y(week.published), 1),
                week=week,
            )
        )
        points.append((round(centre, 1), y(week.cumulative), week))
    every = max(1, -(-len(weeks) // 8))  # at most about eight week labels
    labelled = sorted({*range(0, len(weeks), every), len(weeks) - 1})
    if len(labelled) > 1 and labelled[-1] - labelled[-2] < every:  # keep the last label clear of its neighbour
        labelled.pop(-2)
    x_ticks = [(points[i][0], f"{weeks[i].start.day} {weeks[i].start:%b}") for i in labelled]
    description = (
        f"Tables published per week from the week of {weeks[0].start:%d %B %Y} to the week of "
        f"{weeks[-1].start:%d %B %Y}: {weeks[-1].cumulative} in total."
    )
    return ProgressChart(
        width=WIDTH,
        height=HEIGHT,
        plot={"left": left, "right": right, "top": upper, "bottom": lower},
        bars=bars,
        line=" ".join(f"{px},{py}" for px, py, _ in points),
        points=points,
        y_ticks=[(y(v), v) for v in (0, top // 2, top)],
        x_ticks=x_ticks,
        description=description,
    )


# Across regions


@dataclass(frozen=True)
class RoundSummary:
    """One round in the summary across regions: how many of its (country, table) cells are where."""

    round: Round
    countries: int
    total: int
    published: int
    with_ilo: int  # submitted or approved, not yet published: waiting for the ILO
    not_started: int
    overdue: int

    @property
    def published_percent(self) -> int:
        return round(100 * self.published / self.total) if self.total else 0


@dataclass
class RegionSummary:
    """A region's rounds at work (open, draft or closed; archived ones are done) and their totals."""

    region: Region
    rounds: list[RoundSummary]

    def _sum(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rounds)

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def published(self) -> int:
        return self._sum("published")

    @property
    def with_ilo(self) -> int:
        return self._sum("with_ilo")

    @property
    def not_started(self) -> int:
        return self._sum("not_started")

    @property
    def overdue(self) -> int:
        return self._sum("overdue")

    @property
    def open_rounds(self) -> list[Round]:
        return [r.round for r in self.rounds if r.round.status == Round.Status.OPEN]

    @property
    def published_percent(self) -> int:
        return round(100 * self.published / self.total) if self.total else 0


def round_summary(round_: Round, *, today: dt.date | None = None) -> RoundSummary:
    """The round's totals, as its own dashboard counts them."""
    board = round_completeness(round_, today=today)
    with_ilo = {s.value for s in Submission.Status.with_ilo()} - {Submission.Status.PUBLISHED}
    return RoundSummary(
        round=round_,
        countries=len(board.countries),
        total=board.total,
        published=board.published,
        with_ilo=sum(n for status, n in board.counts.items() if status in with_ilo),
        not_started=board.counts.get(NOT_STARTED, 0),
        overdue=board.overdue,
    )


def regions_completeness(
    regions: Iterable[Region], rounds: QuerySet[Round], *, today: dt.date | None = None
) -> list[RegionSummary]:
    """For each region, its rounds among `rounds` that are not archived (open first), each with its totals."""
    order = {status: i for i, status in enumerate(Round.Status.display_order())}
    at_work = rounds.exclude(status=Round.Status.ARCHIVED).select_related("region")
    summaries = []
    for region in regions:
        mine = sorted(
            at_work.filter(region=region),
            key=lambda r: (order[Round.Status(r.status)], -r.deadline.toordinal(), r.name),
        )
        summaries.append(RegionSummary(region=region, rounds=[round_summary(r, today=today) for r in mine]))
    return summaries
