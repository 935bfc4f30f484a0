"""The public data explorer: a person's choice (table, region, countries, years, breakdown values, layout, chart,
as of) read from the query string, and the values it names laid out as a table whose rows and columns the person
chose, with footnotes for flags, notes, revisions and embargoes, the releases the values came in and the chart's data.

Every value is read through `vintages.seen_versions`, as the observations API reads it, so the page, its
downloads and `GET /api/v1/observations/` with the same choice give the same values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from collection.catalogue.specs import TableSpec, table_specs
from collection.lib.labels import SEPARATOR, catalogue_labels
from collection.lib.users import RequestUser
from collection.models import (
    KEY_COLUMNS,
    Code,
    Country,
    Observation,
    ObservationStatus,
    Region,
    Release,
    TableDefinition,
)
from collection.publication.vintages import Earlier, earlier_versions, seen_versions, vintage_moment

# The dimensions a table can be laid out by, in the order a reader takes them in.
AXES = ("ref_area", "source", "sex", "classif1", "classif2", "time")
BREAKDOWNS = ("sex", "classif1", "classif2")
CHARTS = ("line", "bar")
# More values than a page can show legibly: the page asks for a narrower choice (the API serves any size).
MAX_VALUES = 5000
NOTE_COLUMNS = (("note", ""), ("note_indicator", "Indicator: "), ("note_source", "Source: "), ("note_classif", ""))


@dataclass
class Selection:
    """What the person chose; every field travels in the URL (`query`)."""

    indicator: str | None = None
    region: str = ""  # a region's code: its members are the countries offered; '' for every country
    ref_area: list[str] = field(default_factory=list)
    time_from: str = ""
    time_to: str = ""
    codes: dict[str, list[str]] = field(default_factory=dict)  # sex / classif1 / classif2 → the codes chosen
    rows: str = "ref_area"
    cols: str = "time"
    chart: str = "line"
    as_of: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The choice as query parameters: repeated names, as a plain GET form sends them."""
        if not self.indicator:
            return [("region", self.region)] if self.region else []
        pairs = [("indicator", self.indicator)] + ([("region", self.region)] if self.region else [])
        pairs += [("ref_area", c) for c in self.ref_area]
        for column, codes in self.codes.items():
            pairs += [(column, c) for c in codes]
        pairs += [(name, value) for name in ("time_from", "time_to") if (value := getattr(self, name))]
        pairs += [("rows", self.rows), ("cols", self.cols), ("chart", self.chart)]
        return pairs + ([("as_of", self.as_of)] if self.as_of else [])

    def query(self, **change: str) -> str:
        """The query string of this choice, with some parameters changed ('' drops one)."""
        pairs = [(k, v) for k, v in self.params() if k not in change]
        return urlencode(pairs + [(k, v) for k, v in change.items() if v])


def _chosen(params: Mapping[str, Any], name: str) -> list[str]:
    """A parameter given repeated (a form) or comma-separated (a hand-made URL), in order, without repeats."""
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name) or ""]
    return list(dict.fromkeys(c.strip() for v in values for c in str(v).split(",") if c.strip()))


def _one_of(params: Mapping[str, Any], name: str, allowed: Sequence[str], default: str) -> str:
    value = params.get(name)
    return value if isinstance(value, str) and value in allowed else default


def explorer_axes(spec: TableSpec) -> list[str]:
    """The dimensions of a table a person may lay out by."""
    return [a for a in AXES if a not in BREAKDOWNS or a in spec.dimensions]


def area_choices(region: str) -> list[str]:
    """The countries a choice may name: the region's members, or every reporting country when no region is given."""
    countries = Country.objects.filter(regions__code=region) if region else Country.objects.all()
    return list(countries.order_by("name").values_list("iso3", flat=True).distinct())


def selection_parse(params: Mapping[str, Any]) -> Selection:
    """The choice a query string makes, unknown codes dropped and the rest defaulted: every country (of the
    region, if one is chosen), every year, the total of each breakdown, countries down and years across, a line
    chart."""
    asked_region = str(params.get("region") or "").strip().upper()
    region = asked_region if asked_region and Region.objects.filter(code=asked_region).exists() else ""
    indicator = (params.get("indicator") or "").strip()
    specs = table_specs([indicator]) if indicator else {}
    spec = specs.get(indicator)
    if spec is None:
        return Selection(region=region)
    countries = area_choices(region)
    chosen = [c.upper() for c in _chosen(params, "ref_area")]
    codes = {}
    for column, dimension in spec.dimensions.items():
        valid = [c for c in _chosen(params, column) if c in dimension.codes]
        codes[column] = valid or [dimension.total or dimension.codes[0]]
    time_from, time_to = ((params.get(n) or "").strip() for n in ("time_from", "time_to"))
    time_from, time_to = (y if y.isdigit() and len(y) == 4 else "" for y in (time_from, time_to))
    if time_from and time_to and time_from > time_to:
        time_from, time_to = time_to, time_from
    axes = explorer_axes(spec)
    rows, cols = _one_of(params, "rows", axes, "ref_area"), _one_of(params, "cols", axes, "time")
    if rows == cols:
        rows, cols = ("ref_area", "time") if cols != "ref_area" else ("time", "ref_area")
    return Selection(
        indicator=indicator,
        region=region,
        ref_area=[c for c in countries if c in chosen] or countries,
        time_from=time_from,
        time_to=time_to,
        codes={c: codes[c] for c in BREAKDOWNS if c in codes},
        rows=rows,
        cols=cols,
        chart=_one_of(params, "chart", CHARTS, "line"),
        as_of=(params.get("as_of") or "").strip(),
    )


@dataclass
class Cell:
    """One value as the table shows it: the number, its flag, its footnotes and, for staff, its embargo."""

    value: Decimal
    flag: str
    notes: list[int]
    embargoed: bool
    key: str  # the value's key in codes, KEY_COLUMNS joined by '|', so that a reader can match the downloads


@dataclass
class Row:
    headers: list[tuple[str, str]]  # (code, label) per row dimension
    cells: list[Cell | None]


@dataclass
class Shown:
    """What the page shows for a choice: the table as laid out, its footnotes and releases, the long rows of the
    downloads (in the table's order), and the chart's data."""

    selection: Selection
    table: TableDefinition
    axis_names: dict[str, str]
    at: datetime | None
    row_axes: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    fixed: list[tuple[str, str, str]] = field(default_factory=list)  # (dimension name, code, label)
    footnotes: list[str] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    too_many: bool = False
    embargoed: int = 0

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def released(self) -> list[Release]:
        """The releases of the values shown that were public at the moment read (oldest first)."""
        return [r for r in self.releases if r.is_public(self.at)]

    @property
    def upcoming(self) -> list[Release]:
        """Releases of embargoed values shown to staff: not public yet."""
        return [r for r in self.releases if not r.is_public(self.at)]


def axis_names(spec: TableSpec) -> dict[str, str]:
    """Each dimension in words: the code list's label for a breakdown ("Economic activity (ISIC Rev.4)")."""
    lists = dict(
        TableDefinition.objects.filter(indicator=spec.indicator).values_list(
            "dimensions__column", "dimensions__codelist__label"
        )
    )
    return {
        "ref_area": "Country",
        "source": "Source",
        "time": "Year",
        **{c: lists.get(c) or c for c in spec.dimensions},
    }


def code_order(spec: TableSpec) -> dict[str, int]:
    """The catalogue's order of every code the table's lists hold (totals first, as the code lists order them)."""
    lists = [d.codelist for d in spec.dimensions.values()]
    return {
        code: n
        for n, code in enumerate(
            Code.objects.filter(codelist_id__in=lists)
            .order_by("codelist", "sort_order", "code")
            .values_list("code", flat=True)
        )
    }


def explorer_values(selection: Selection, user: RequestUser, at: datetime | None) -> list[Observation]:
    """The versions the user may see for the choice (MAX_VALUES + 1 at most: one more tells the page it is too
    many), as the observations API reads them."""
    base = Observation.objects.filter(indicator=selection.indicator, ref_area__in=selection.ref_area)
    for column, codes in selection.codes.items():
        base = base.filter(**{f"{column}__in": codes})
    if selection.time_from:
        base = base.filter(time__gte=selection.time_from)
    if selection.time_to:
        base = base.filter(time__lte=selection.time_to)
    seen = seen_versions(user, base, at).select_related("publication__release")
    return list(
        seen.order_by("indicator", "ref_area", "time", "sex", "classif1", "classif2", "source")[: MAX_VALUES + 1]
    )


def explorer_years(indicator: str, user: RequestUser) -> list[str]:
    """The years the user may see values of in the table, for the year choices."""
    versions = seen_versions(user, Observation.objects.filter(indicator=indicator))
    return sorted(set(versions.values_list("time", flat=True).distinct()))


def explorer_show(*, selection: Selection, user: RequestUser) -> Shown:
    """The choice laid out. A bad `as_of` raises PortalError with the sentence to show."""
    assert selection.indicator is not None
    at = vintage_moment(as_of=selection.as_of or None)
    spec = table_specs([selection.indicator])[selection.indicator]
    shown = Shown(
        selection=selection,
        table=TableDefinition.objects.get(indicator=selection.indicator),
        axis_names=axis_names(spec),
        at=at,
    )
    observations = explorer_values(selection, user, at)
    if len(observations) > MAX_VALUES:
        shown.too_many = True
        return shown
    if not observations:
        return shown
    _lay_out(shown, observations, spec, earlier_versions(observations, at))
    return shown


def _lay_out(shown: Shown, observations: list[Observation], spec: TableSpec, earlier: dict[int, Earlier]) -> None:
    """Pivot the values by the person's layout, number the footnotes in reading order, and list the long rows."""
    selection, labels, order = shown.selection, catalogue_labels(), code_order(spec)
    countries = {c: n for n, c in enumerate(Country.objects.order_by("name").values_list("iso3", flat=True))}
    axes = explorer_axes(spec)
    present = {a: {getattr(o, a) for o in observations} for a in axes}
    shown.row_axes = [selection.rows] + [
        a for a in axes if a not in (selection.rows, selection.cols) and len(present[a]) > 1
    ]
    shown.fixed = [
        (shown.axis_names[a], code, labels.get(code, code))
        for a in axes
        if a not in shown.row_axes and a != selection.cols
        for code in present[a]
    ]

    partners = {c for c, d in spec.dimensions.items() if d.kind == "partner"}

    def rank(axis: str, code: str) -> tuple[int, str]:
        if axis == "ref_area":
            return countries.get(code, 10**6), code
        if axis in partners:  # some 250 countries: the total, then by name, the unknown last
            return (0 if code == spec.dimensions[axis].total else 2 if code.endswith("_X") else 1), labels.get(
                code, code
            )
        return (order.get(code, 10**6) if axis in BREAKDOWNS else 0), code

    def sort_key(o: Observation) -> tuple:
        return tuple(rank(a, getattr(o, a)) for a in (*shown.row_axes, selection.cols))

    observations.sort(key=sort_key)
    column_codes = sorted(present[selection.cols], key=lambda c: rank(selection.cols, c))
    position = {c: n for n, c in enumerate(column_codes)}
    shown.columns = [(c, labels.get(c, c)) for c in column_codes]
    flags = dict(ObservationStatus.objects.values_list("code", "label"))
    notes: dict[str, int] = {}
    rows: dict[tuple[str, ...], Row] = {}
    releases: dict[int, Release] = {}
    now = timezone.now()
    for o in observations:
        release = o.publication.release
        releases[release.pk] = release
        embargoed = not release.is_public(shown.at or now)
        texts = _footnote_texts(o, flags, earlier.get(o.pk), release if embargoed else None)
        numbers = [notes.setdefault(t, len(notes) + 1) for t in texts]
        key = tuple(getattr(o, a) for a in shown.row_axes)
        row = rows.setdefault(key, Row(headers=[(c, labels.get(c, c)) for c in key], cells=[None] * len(column_codes)))
        row.cells[position[getattr(o, selection.cols)]] = Cell(
            o.obs_value, o.obs_status, numbers, embargoed, "|".join(getattr(o, c) for c in KEY_COLUMNS)
        )
        shown.embargoed += embargoed
        shown.values.append(_long_row(o, labels, flags, earlier.get(o.pk), release, embargoed, texts))
    shown.rows = list(rows.values())
    shown.footnotes = list(notes)
    shown.releases = sorted(releases.values(), key=lambda r: (r.public_at or now, r.pk))


def _footnote_texts(
    o: Observation, flags: dict[str, str], earlier: Earlier | None, embargo: Release | None
) -> list[str]:
    """A value's footnotes in words: its flag, its notes, its revision and (for staff) its embargo."""
    texts = [f"{o.obs_status}: {flags.get(o.obs_status, o.obs_status)}"] if o.obs_status else []
    texts += [f"{prefix}{text}" for column, prefix in NOTE_COLUMNS if (text := getattr(o, column))]
    if earlier is not None and earlier.revised_on is not None and embargo is None:
        texts.append(f"Revised on {earlier.revised_on:%-d %b %Y}; earlier value {_plain(earlier.value)}.")
    elif earlier is not None and embargo is not None:
        texts.append(f"Revises the public value {_plain(earlier.value)}.")
    if embargo is not None:
        when = (
            f"until {embargo.public_at:%-d %b %Y %H:%M} UTC" if embargo.public_at and not embargo.withdrawn_at else ""
        )
        texts.append(
            f"Embargoed {when or '(withdrawn)'}: not public yet; you see it as ILO staff or the country's focal point."
        )
    return texts


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    number = value.normalize()
    return f"{number.quantize(Decimal(1)) if number == number.to_integral_value() else number:f}"


# The columns of the CSV and of the XLSX's long sheet: ILOSTAT's long layout with labels, then the provenance.
LONG_COLUMNS = (
    "indicator", "ref_area", "ref_area.label", "source", "source.label", "sex", "sex.label", "classif1",
    "classif1.label", "classif2", "classif2.label", "time", "obs_value", "obs_status", "obs_status.label", "note",
    "note_classif", "note_indicator", "note_source", "release", "released_on", "public", "revised_on",
    "previous_value", "footnotes",
)  # fmt: skip


def _long_row(
    o: Observation,
    labels: dict[str, str],
    flags: dict[str, str],
    earlier: Earlier | None,
    release: Release,
    embargoed: bool,
    texts: list[str],
) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(o, c) for c in ("indicator", "ref_area", "source", *BREAKDOWNS, "time")}
    row |= {f"{c}.label": labels.get(row[c], row[c]) if row[c] else "" for c in ("ref_area", "source", *BREAKDOWNS)}
    row |= {c: getattr(o, c) for c in ("obs_status", "note", "note_classif", "note_indicator", "note_source")}
    row |= {
        "obs_value": o.obs_value.normalize() if o.obs_value is not None else None,
        "obs_status.label": flags.get(o.obs_status, "") if o.obs_status else "",
        "release": release.pk,
        "released_on": release.public_at.date().isoformat() if release.public_at else "",
        "public": not embargoed,
        "revised_on": earlier.revised_on.date().isoformat() if earlier and earlier.revised_on else "",
        "previous_value": earlier.value.normalize()
        if earlier and earlier.revised_on and earlier.value is not None
        else None,
        "footnotes": " | ".join(texts),
    }
    return row


def chart_data(shown: Shown) -> dict[str, Any]:
    """What the chart draws, from the table as laid out: a line per row over the years, or bars per row (a
    country, a partner, a category) with one bar per column."""
    selection = shown.selection
    title = shown.table.title
    subtitle = SEPARATOR.join(f"{name}: {label}" for name, _, label in shown.fixed)
    base = {"type": selection.chart, "title": title, "subtitle": subtitle, "unit": "Thousands of persons"}
    if selection.chart == "line":
        layout = [a for a in (*shown.row_axes, selection.cols) if a != "time"]
        by_series: dict[str, dict[str, float]] = {}
        for v in shown.values:
            name = SEPARATOR.join(v[f"{a}.label"] for a in layout) or title
            by_series.setdefault(name, {})[v["time"]] = float(v["obs_value"])
        x = sorted({v["time"] for v in shown.values})
        series = [{"name": n, "data": [points.get(y) for y in x]} for n, points in by_series.items()]
        return base | {"x": x, "series": series}

    # Bars by the first row dimension (a country, a partner, a category), one colour per combination of the
    # others; read largest first, as ILOSTAT's and OECD's explorers order them.
    first, others = shown.row_axes[0], [a for a in (*shown.row_axes[1:], selection.cols)]
    bars: dict[str, dict[str, float]] = {}
    for v in shown.values:
        name = SEPARATOR.join(v[f"{a}.label"] if a != "time" else v["time"] for a in others) or title
        category = v[f"{first}.label"] if first != "time" else v["time"]
        bars.setdefault(name, {})[category] = float(v["obs_value"])
    sizes: dict[str, float] = {}
    for points in bars.values():
        for category, number in points.items():
            sizes[category] = sizes.get(category, 0.0) + number
    x = sorted(sizes, key=lambda c: -sizes[c]) if first != "time" else sorted(sizes)
    series = [{"name": n, "data": [points.get(c) for c in x]} for n, points in bars.items()]
    return base | {"x": x, "series": series}


@dataclass
class Choices:
    """What the form offers for a choice: every option with its label (codes in small print on the page)."""

    tables: list[tuple[str, str]]
    countries: list[tuple[str, str, str]]  # iso3, name, the codes of its regions (small print)
    regions: list[tuple[str, str]] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    breakdowns: list[dict[str, Any]] = field(default_factory=list)  # column, name, options [(code, label)], partner
    axes: list[tuple[str, str]] = field(default_factory=list)


def explorer_choices(*, selection: Selection, user: RequestUser) -> Choices:
    """The options of the explorer's form for the table chosen (only the table list when none is)."""
    offered = set(area_choices(selection.region))
    countries = Country.objects.filter(iso3__in=offered).prefetch_related("regions").order_by("name")
    choices = Choices(
        tables=list(TableDefinition.objects.values_list("indicator", "title")),
        countries=[(c.iso3, c.name, " · ".join(r.code for r in c.regions.all())) for c in countries],
        regions=list(Region.objects.values_list("code", "name")),
    )
    if not selection.indicator:
        return choices
    spec = table_specs([selection.indicator])[selection.indicator]
    names, labels = axis_names(spec), catalogue_labels()
    choices.years = explorer_years(selection.indicator, user)
    choices.axes = [(a, names[a]) for a in explorer_axes(spec)]
    for column in BREAKDOWNS:
        if column in spec.dimensions:
            dimension = spec.dimensions[column]
            options = [(c, labels.get(c, c)) for c in dimension.codes]
            if dimension.kind == "partner":  # partner countries by name, the total and "other" first
                options.sort(key=lambda o: (o[0] not in (dimension.total,), o[0].endswith("_X"), o[1]))
            choices.breakdowns.append(
                {"column": column, "name": names[column], "options": options, "partner": dimension.kind == "partner"}
            )
    return choices
