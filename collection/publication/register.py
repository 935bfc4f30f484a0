"""The data-source register of a country: every national source described in its submissions, what it feeds,
and how each table's description changed from one round to the next (the collection's map of sources)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from collection import access
from collection.lib.users import RequestUser
from collection.models import Country, DataSource, Observation, Release, SourceType, Submission, TableDefinition
from collection.publication.vintages import public_versions

# The fields that describe a source, in the order people read them, with their labels.
FIELDS = {
    "source_type_id": "Source type",
    "name": "Name",
    "agency": "Agency",
    "reference_period": "Reference period",
    "coverage": "Coverage",
    "migrant_definition": "Migrant definition",
}
DEFINITIONS = dict(DataSource.MigrantDefinition.choices)
PUBLISHED = Submission.Status.PUBLISHED


def same(text: str) -> str:
    """Names that differ only in case or spacing are the same source."""
    return " ".join((text or "").split()).casefold()


@dataclass
class Described:
    """One description of one indicator's source, in one submission."""

    indicator: str
    submission_id: int
    round_name: str
    round_years: list[int]
    status: str
    fields: dict[str, str]

    @property
    def pending(self) -> bool:
        return self.status != PUBLISHED

    @property
    def key(self) -> tuple[str, str]:
        return (self.fields["source_type_id"], same(self.fields["name"]))

    @property
    def step(self) -> str:
        """The round, as a step of the indicator's history."""
        return self.round_name + (" (in progress)" if self.pending else "")

    def shown(self, name: str) -> str:
        value = self.fields[name]
        return DEFINITIONS.get(value, value) if name == "migrant_definition" else value


@dataclass
class Feed:
    """What one source feeds for one indicator: the rounds that describe it and the years."""

    table: TableDefinition | None
    indicator: str
    rounds: list[tuple[str, bool]] = field(default_factory=list)  # round name, still in progress
    years: set[str] = field(default_factory=set)
    pending_years: set[str] = field(default_factory=set)

    @property
    def years_sorted(self) -> list[str]:
        return sorted(self.years)

    @property
    def pending_only_years(self) -> list[str]:
        return sorted(self.pending_years - self.years)


@dataclass
class Source:
    """One national source: the descriptions that share its type and name."""

    type_code: str
    type_label: str
    name: str
    agencies: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    coverages: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    feeds: dict[str, Feed] = field(default_factory=dict)
    pending_only: bool = True

    def add(self, d: Described, table: TableDefinition | None) -> None:
        self.name = d.fields["name"]  # the latest spelling
        self.pending_only = self.pending_only and d.pending
        for values, name in (
            (self.agencies, "agency"),
            (self.periods, "reference_period"),
            (self.coverages, "coverage"),
            (self.definitions, "migrant_definition"),
        ):
            value = d.shown(name)
            if value and same(value) not in {same(v) for v in values}:
                values.append(value)
        feed = self.feeds.setdefault(d.indicator, Feed(table, d.indicator))
        if (d.round_name, d.pending) not in feed.rounds:
            feed.rounds.append((d.round_name, d.pending))
        if d.pending:
            feed.pending_years |= {str(y) for y in d.round_years}


@dataclass
class Change:
    """How one indicator's description changed between two steps of its history."""

    indicator: str
    table: TableDefinition | None
    before: str
    after: str
    fields: list[tuple[str, str, str]]  # label, old, new


@dataclass
class Register:
    country: Country
    sources: list[Source]
    changes: list[Change]
    shows_pending: bool


def _descriptions(country: Country, shows_pending: bool) -> list[Described]:
    """The country's descriptions, oldest submission first: every published one, and for those who may see
    work in progress the latest unpublished one of each round and indicator when it is newer than the
    published one (an abandoned earlier upload says nothing about the sources)."""
    rows = DataSource.objects.filter(submission__country=country)
    if not shows_pending:  # published and out: a submission whose release is still embargoed says nothing yet
        rows = rows.filter(
            Release.public_q(timezone.now(), "submission__publication__release__"), submission__status=PUBLISHED
        )
    rows = rows.order_by("submission__uploaded_at", "submission_id").values(
        "indicator",
        "submission_id",
        "submission__status",
        "submission__round_id",
        "submission__round__name",
        "submission__round__reference_years",
        *FIELDS,
    )
    kept: dict[int, Described] = {}
    pending: dict[tuple[int, str], int] = {}  # (round, indicator) -> position of the latest unpublished
    for i, row in enumerate(rows):
        d = Described(
            indicator=row["indicator"],
            submission_id=row["submission_id"],
            round_name=row["submission__round__name"],
            round_years=row["submission__round__reference_years"] or [],
            status=row["submission__status"],
            fields={name: row[name] or "" for name in FIELDS},
        )
        key = (row["submission__round_id"], d.indicator)
        if key in pending:
            del kept[pending.pop(key)]  # superseded by a newer upload of the same round
        if d.pending:
            pending[key] = i
        kept[i] = d
    return list(kept.values())


def _steps(descriptions: list[Described]) -> dict[str, list[Described]]:
    """Each indicator's history: one description per round (the latest published), then work in progress."""
    history: dict[str, dict[str, Described]] = {}
    for d in descriptions:
        history.setdefault(d.indicator, {})[d.step] = d  # a later publication in the same round replaces
    return {indicator: list(steps.values()) for indicator, steps in history.items()}


def _changes(
    steps: dict[str, list[Described]], tables: dict[str, TableDefinition], labels: dict[str, str]
) -> list[Change]:
    def shown(d: Described, name: str) -> str:
        value = d.shown(name)
        return f"{value} {labels.get(value, '')}".strip() if name == "source_type_id" and value else value

    changes = []
    for indicator, history in steps.items():
        for before, after in zip(history, history[1:], strict=False):
            differ = [
                (label, shown(before, name) or "—", shown(after, name) or "—")
                for name, label in FIELDS.items()
                if same(before.fields[name]) != same(after.fields[name])
            ]
            if differ:
                changes.append(Change(indicator, tables.get(indicator), before.step, after.step, differ))
    order = {indicator: i for i, indicator in enumerate(tables)}
    return sorted(changes, key=lambda c: order.get(c.indicator, len(order)))


def source_register(*, user: RequestUser, country: Country) -> Register:
    """The register as this user may see it."""
    # The country's own focal points and ILO staff also see sources still in review; others only published.
    shows_pending = access.sees_country(user, country.iso3)
    descriptions = _descriptions(country, shows_pending)
    tables = {t.indicator: t for t in TableDefinition.objects.all()}
    labels = dict(SourceType.objects.values_list("code", "label"))
    sources: dict[tuple[str, str], Source] = {}
    fed_by: dict[tuple[int, str], tuple[str, str]] = {}  # (submission, indicator) -> source key
    for d in descriptions:
        code = d.fields["source_type_id"]
        source = sources.setdefault(d.key, Source(code, labels.get(code, code), d.fields["name"]))
        source.add(d, tables.get(d.indicator))
        if not d.pending:
            fed_by[(d.submission_id, d.indicator)] = d.key
    # The years each source feeds: the country's values whose submission described it, of its type (the public
    # ones, or for those who may see work in progress the current ones, embargoed included).
    country_values = Observation.objects.filter(ref_area=country.iso3)
    seen = country_values.filter(is_current=True) if shows_pending else public_versions(country_values)
    published = seen.values_list("submission_id", "indicator", "source", "time").distinct().order_by()
    for submission_id, indicator, code, time in published:
        key = fed_by.get((submission_id, indicator))
        if key is not None and key[0] == code:
            sources[key].feeds[indicator].years.add(time)
    order = {indicator: i for i, indicator in enumerate(tables)}
    for source in sources.values():
        source.feeds = dict(sorted(source.feeds.items(), key=lambda kv: order.get(kv[0], len(order))))
    return Register(
        country=country,
        sources=sorted(sources.values(), key=lambda s: (s.pending_only, s.type_code, same(s.name))),
        changes=_changes(_steps(descriptions), tables, labels),
        shows_pending=shows_pending,
    )
