"""The reviewer's workspace: a submission's rows beside the published ones, the flags, the series, the sources,
the focal point's explanations and the comment thread per table.

The comparison reads the staged rows, the country's published rows for the submission's tables and years (and
the year before) and the rows with issues in three bulk reads, and joins them in columns (polars): a census
year of hundreds of thousands of cells stays quick. Python objects are made only for the page on screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db import connection
from django.db.models import Count, Q

from collection.catalogue.specs import rules_effective
from collection.lib.bulkread import read_frame
from collection.lib.published import ATTRIBUTES, PUBLISHED_SCHEMA, published_values
from collection.models import (
    KEY_COLUMNS,
    DataSource,
    Observation,
    Publication,
    RuleKind,
    Severity,
    Submission,
    TableDefinition,
    UnchangedValue,
    ValidationIssue,
    WarningExplanation,
    value_exact,
)
from collection.submissions.explanations import explanation_for, explanation_lookup
from collection.submissions.staged import staged_frame
from collection.validation.kinds import KINDS

KEY = [c for c in KEY_COLUMNS if c != "ref_area"]  # a value's key within the submission (its country's)
SERIES_COLUMNS = tuple(c for c in KEY if c not in ("indicator", "time"))  # a table's series: the key minus time
SERIES_SEPARATOR = "|"
MAX_SERIES = 6  # charts on one page


class Basis:
    """What a new value is compared with."""

    REVISION = "revision"  # the published value of the same key: the country revises it
    PREVIOUS_YEAR = "previous_year"  # the published value of the year before in the same series
    NONE = "none"  # nothing published to compare with


class Outcome:
    """What publishing the row would do, as `observations_publish` decides it."""

    NEW = "new"  # no published value of the key
    REVISED = "revised"  # the published value, flag or a note differs: a new version
    UNCHANGED = "unchanged"  # sent again as published: the key keeps its version


@dataclass
class RowIssue:
    severity: str
    rule: str
    message: str
    explanation: str = ""


@dataclass
class ComparedRow:
    """One staged row beside the published value it is compared with."""

    row: int
    source: str
    sex: str
    classif1: str
    classif2: str
    time: str
    value: Decimal
    obs_status: str
    note: str
    basis: str = Basis.NONE
    outcome: str = Outcome.NEW
    published: Decimal | None = None
    published_time: str | None = None
    large_change: bool = False
    issues: list[RowIssue] = field(default_factory=list)
    chart_query = ""  # not fields: the review page sets the link that charts the row's series, and whether it is
    charted = False

    def __post_init__(self) -> None:
        # The frame holds doubles; the row shows the digits the values were given in, and exact changes.
        exact = value_exact(self.value)
        if exact is not None:  # always: only None gives None
            self.value = exact
        self.published = value_exact(self.published)

    @property
    def series(self) -> str:
        return series_id((self.source, self.sex, self.classif1, self.classif2))

    @property
    def change(self) -> Decimal | None:
        return None if self.published is None else self.value - self.published

    @property
    def change_pct(self) -> float | None:
        if self.published is None or self.published == 0:
            return None
        return float((self.value - self.published) / abs(self.published) * 100)

    @property
    def severity(self) -> str:
        """The strongest flag on the row: error, warning, large (change only) or ''."""
        severities = {i.severity for i in self.issues}
        for level in (Severity.ERROR, Severity.WARNING):
            if level in severities:
                return level
        return "large" if self.large_change else ""

    @property
    def flagged(self) -> bool:
        return bool(self.issues) or self.large_change


class ComparedRows:
    """A table's compared rows as a sequence: ComparedRow objects are made for the slice asked for (a page)."""

    def __init__(self, submission: Submission, frame: pl.DataFrame) -> None:
        self.submission, self.frame = submission, frame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index: slice) -> list[ComparedRow]:
        return self._objects(self.frame[index])

    def __iter__(self) -> Iterator[ComparedRow]:
        return iter(self._objects(self.frame))

    def __bool__(self) -> bool:
        return self.frame.height > 0

    def _objects(self, frame: pl.DataFrame) -> list[ComparedRow]:
        keys = list(frame.select(KEY).iter_rows())
        issues = row_issues(self.submission, keys)
        fields = [f for f in ComparedRow.__dataclass_fields__ if f != "issues"]
        return [
            ComparedRow(**{f: r[f] for f in fields}, issues=issues.get(key, []))
            for key, r in zip(keys, frame.iter_rows(named=True), strict=True)
        ]


@dataclass
class TableComparison:
    """One table of the submission compared with the master table, with its counts for the tabs."""

    indicator: str
    title: str
    threshold_pct: float
    min_value: float
    rows: ComparedRows
    row_count: int = 0
    revisions: int = 0  # published values the submission changes (value, flag or note)
    unchanged: int = 0  # published values sent again as they are
    flagged: int = 0

    @property
    def new_keys(self) -> int:
        return self.row_count - self.revisions - self.unchanged


def series_id(values: tuple[str, ...]) -> str:
    """A series (the key minus time and the table and country) as one URL-safe parameter value."""
    return SERIES_SEPARATOR.join(values)


def series_parse(value: str) -> tuple[str, str, str, str] | None:
    parts = value.split(SERIES_SEPARATOR)
    if len(parts) != len(SERIES_COLUMNS):
        return None
    return parts[0], parts[1], parts[2], parts[3]  # the four SERIES_COLUMNS, as Series takes them


def submission_tables(submission: Submission) -> list[TableDefinition]:
    """The tables found in the file, in the catalogue's order (the round's tables before validation)."""
    if submission.indicators:
        return list(TableDefinition.objects.filter(indicator__in=submission.indicators))
    return list(submission.round.tables.all())


def change_thresholds(submission: Submission, tables: list[TableDefinition]) -> dict[str, tuple[float, float]]:
    """Per table, the (threshold_pct, min_value) its year-on-year rule runs with in the round, read through the
    kind as validation reads them (the kind's defaults for a table without the rule), so that flags match."""
    kind = KINDS[RuleKind.YEAR_ON_YEAR]
    given = {r.table_id: r.params or {} for r in rules_effective(submission.round) if r.kind == RuleKind.YEAR_ON_YEAR}
    resolved = {t.indicator: kind.resolve(given.get(t.indicator, {})) for t in tables}
    return {i: (float(p["threshold_pct"]), float(p["min_value"])) for i, p in resolved.items()}


def published_before(submission: Submission) -> Q:
    """The master table as the reviewer saw it: the current values, or for a published submission the values
    of the publications before its own (read in their order, the last one per key is the one it replaced)."""
    publication_id = Publication.objects.filter(submission=submission).values_list("pk", flat=True).first()
    return Q(is_current=True) if publication_id is None else Q(publication_id__lt=publication_id)


def own_frame(
    submission: Submission, columns: list[str], schema: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """A submission's values (their file row first, then `columns`, named and typed as `schema` says): its staged
    rows until it is published, then its publication's rows in the master and the master rows its unchanged
    values matched (the staged rows are removed at publication)."""
    q = connection.ops.quote_name
    publication_id = Publication.objects.filter(submission=submission).values_list("pk", flat=True).first()
    if publication_id is None:
        staged = staged_frame(submission, ["row", *columns])
        return staged.select(
            pl.col(c).cast(t).alias(n) for c, (n, t) in zip(staged.columns, schema.items(), strict=True)
        )
    master = q(Observation._meta.db_table)
    return read_frame(
        f"SELECT source_row AS row, {', '.join(columns)} FROM {master} WHERE publication_id = %s UNION ALL "
        f"SELECT u.row, {', '.join(f'o.{c}' for c in columns)} FROM {q(UnchangedValue._meta.db_table)} AS u "
        f"JOIN {master} AS o ON o.id = u.observation_id WHERE u.publication_id = %s",
        [publication_id, publication_id],
        schema,
    )


def _previous_year(time: str) -> str | None:
    return str(int(time) - 1) if time.isdigit() else None


# The staged rows as the published ones are read for validation, with their row in the file instead of ref_area.
STAGED_SCHEMA = {"row": pl.Int64, **{c: t for c, t in PUBLISHED_SCHEMA.items() if c != "ref_area"}}


def _published_frame(submission: Submission, indicators: list[str], times: list[str]) -> pl.DataFrame:
    """The published value of each key as the reviewer saw it (see `published_before`), with its flag and notes."""
    publication_id = Publication.objects.filter(submission=submission).values_list("pk", flat=True).first()
    frame = published_values(
        submission.country_id, times, indicators=indicators, before_publication=publication_id, attributes=ATTRIBUTES
    )
    return frame.drop("ref_area").rename({"value": "published", **{c: f"_published_{c}" for c in ATTRIBUTES}})


def row_issues(submission: Submission, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], list[RowIssue]]:
    """The issues about the given values, matched by key (never by row: a workbook's sheets share row numbers
    and a row holds several values), each with the focal point's answer when it has one."""
    if not keys:
        return {}
    wanted = set(keys)
    narrowed = {"indicator__in": {k[0] for k in wanted}, "time__in": {k[-1] for k in wanted}}
    answers = explanation_lookup(submission)
    issues: dict[tuple[str, ...], list[RowIssue]] = defaultdict(list)
    for issue_id, severity, rule, message, *key in (
        ValidationIssue.objects.filter(submission=submission, **narrowed)
        .order_by("severity", "id")
        .values_list("id", "severity", "rule", "message", *KEY)
    ):
        if tuple(key) in wanted:
            answer = explanation_for(answers, rule=rule, indicator=key[0], issue_id=issue_id)
            issues[tuple(key)].append(RowIssue(severity, rule, message, answer.text if answer else ""))
    return issues


def issue_keys(submission: Submission) -> pl.DataFrame:
    """The key of every value the submission's issues are about, once each (a bulk read)."""
    columns = ", ".join(KEY)
    return read_frame(
        f"SELECT DISTINCT {columns} FROM {connection.ops.quote_name(ValidationIssue._meta.db_table)} "
        "WHERE submission_id = %s AND time IS NOT NULL",
        [submission.pk],
        {c: pl.String for c in KEY},
    ).with_columns(pl.lit(True).alias("_has_issue"))


def issues_beside_the_rows(*, submission: Submission, indicator: str) -> dict[str, list[ValidationIssue]]:
    """The issues no value carries: those about the table as a whole, and those about the whole submission
    (completeness, the file): each is shown where it belongs, never on a row."""
    unplaced = submission.issues.filter(time__isnull=True).order_by("severity", "id")
    return {"table": list(unplaced.filter(indicator=indicator)), "submission": list(unplaced.filter(indicator=None))}


def submission_compare(*, submission: Submission) -> dict[str, TableComparison]:
    """Every table of the submission compared with the published values, in columns."""
    tables = submission_tables(submission)
    thresholds = change_thresholds(submission, tables)
    indicators = [t.indicator for t in tables]
    notes = {f"_{c}": pl.String for c in ATTRIBUTES if c not in STAGED_SCHEMA}  # compared, not shown
    columns = ["obs_value" if c == "value" else c for c in STAGED_SCHEMA if c != "row"] + [n[1:] for n in notes]
    staged = own_frame(submission, columns, {**STAGED_SCHEMA, **notes}).filter(pl.col("indicator").is_in(indicators))
    times = staged["time"].unique().to_list()
    previous = [p for p in map(_previous_year, times) if p]
    published = _published_frame(submission, indicators, sorted(set(times) | set(previous)))
    before = (
        published.select(*KEY, "published")
        .with_columns(
            (pl.col("time").cast(pl.Int64, strict=False) + 1).cast(pl.String).alias("time"),
            pl.col("time").alias("_before_time"),
        )
        .rename({"published": "_before"})
    )
    # The same value (doubles read from the same decimal text compare exactly), flag and notes: nothing changes.
    same = (pl.col("value") == pl.col("published")) & pl.all_horizontal(
        pl.col(f"_{c}" if f"_{c}" in notes else c) == pl.col(f"_published_{c}") for c in ATTRIBUTES
    )
    limits = pl.DataFrame(
        [(i, pct, low) for i, (pct, low) in thresholds.items()],
        schema={"indicator": pl.String, "_limit_pct": pl.Float64, "_limit_min": pl.Float64},
        orient="row",
    )
    revision = pl.col("published").is_not_null()
    frame = (
        staged.sort("indicator", "row")
        .join(published, on=KEY, how="left")
        .join(before, on=KEY, how="left")
        .join(limits, on="indicator", how="left")
        .join(issue_keys(submission), on=KEY, how="left")
        .with_columns(
            pl.when(revision)
            .then(pl.lit(Basis.REVISION))
            .when(pl.col("_before").is_not_null())
            .then(pl.lit(Basis.PREVIOUS_YEAR))
            .otherwise(pl.lit(Basis.NONE))
            .alias("basis"),
            pl.when(~revision)
            .then(pl.lit(Outcome.NEW))
            .when(same)
            .then(pl.lit(Outcome.UNCHANGED))
            .otherwise(pl.lit(Outcome.REVISED))
            .alias("outcome"),
            pl.when(revision).then(pl.col("time")).otherwise(pl.col("_before_time")).alias("published_time"),
            pl.coalesce("published", "_before").alias("published"),
            pl.col("_has_issue").fill_null(False),
        )
        .with_columns(
            pl.when(pl.col("published") != 0)
            .then((pl.col("value") - pl.col("published")) / pl.col("published").abs() * 100)
            .alias("_change_pct"),
        )
        .with_columns(
            (
                (pl.col("_change_pct").abs() > pl.col("_limit_pct"))
                & (pl.max_horizontal(pl.col("value").abs(), pl.col("published").abs()) >= pl.col("_limit_min"))
            )
            .fill_null(False)
            .alias("large_change"),
        )
        .with_columns((pl.col("large_change") | pl.col("_has_issue")).alias("_flagged"))
    )
    parts = {key[0]: part for key, part in frame.partition_by("indicator", as_dict=True).items()}
    out = {}
    for t in tables:
        part = parts.get(t.indicator, frame.clear())
        pct, low = thresholds[t.indicator]
        out[t.indicator] = TableComparison(
            t.indicator,
            t.title,
            pct,
            low,
            rows=ComparedRows(submission, part),
            row_count=part.height,
            revisions=int((part["outcome"] == Outcome.REVISED).sum()),
            unchanged=int((part["outcome"] == Outcome.UNCHANGED).sum()),
            flagged=int(part["_flagged"].sum()),
        )
    return out


ROW_SORTS = {
    "file": "Order of the file",
    "change": "Largest % change first",
}


def comparison_rows(table: TableComparison, *, only_flagged: bool = False, sort: str = "file") -> ComparedRows:
    """The rows a reviewer asked for: all or the flagged ones, in file order or the largest changes first."""
    frame = table.rows.frame
    if only_flagged:
        frame = frame.filter(pl.col("_flagged"))
    if sort == "change":
        # Rows without a % (nothing published, or a published zero) go last, by absolute change.
        frame = frame.sort(
            pl.col("_change_pct").is_null(),
            pl.col("_change_pct").abs(),
            (pl.col("value") - pl.col("published")).abs(),
            pl.col("row"),
            descending=[False, True, True, False],
            nulls_last=True,
        )
    return ComparedRows(table.rows.submission, frame)


@dataclass
class Series:
    """One series for a chart: the published history and the submission's points."""

    id: str
    source: str
    sex: str
    classif1: str
    classif2: str
    published: list[tuple[str, float]]
    new: list[tuple[str, float]]
    remove_query = ""  # not a field: the review page sets its link that takes the series off the charts

    @property
    def label(self) -> str:
        return " · ".join(v for v in (self.sex, self.classif1, self.classif2, self.source) if v)


def _series_filter(keys: Sequence[tuple[str, ...]]) -> Q:
    query = Q(pk__in=[])
    for key in keys:
        query |= Q(**dict(zip(SERIES_COLUMNS, key, strict=True)))
    return query


def series_history(*, submission: Submission, indicator: str, series: list[str]) -> list[Series]:
    """The selected series (at most MAX_SERIES): every published current value plus the new points."""
    keys = list(dict.fromkeys(k for k in map(series_parse, series) if k))[:MAX_SERIES]
    if not keys:
        return []
    which = _series_filter(keys)
    points: dict[tuple[str, ...], dict[str, list]] = {k: {"published": [], "new": []} for k in keys}
    for *key, time, value in (
        Observation.objects.filter(
            which, published_before(submission), ref_area=submission.country_id, indicator=indicator
        )
        .order_by("time", "publication_id")
        .values_list(*SERIES_COLUMNS, "time", "obs_value")
    ):
        history = points[tuple(key)]["published"]
        if history and history[-1][0] == time:  # an older publication's value of the same year: the later one wins
            history.pop()
        history.append((time, value))
    own = own_frame(
        submission,
        [*SERIES_COLUMNS, "indicator", "time", "obs_value"],
        {"row": pl.Int64, **dict.fromkeys([*SERIES_COLUMNS, "indicator", "time"], pl.String), "value": pl.Float64},
    )
    wanted = pl.DataFrame(keys, schema=dict.fromkeys(SERIES_COLUMNS, pl.String), orient="row")
    own = own.filter(pl.col("indicator") == indicator).join(wanted, on=list(SERIES_COLUMNS)).sort("time")
    for *key, time, value in own.select(*SERIES_COLUMNS, "time", "value").iter_rows():
        points[tuple(key)]["new"].append((time, Decimal(repr(value))))
    return [Series(series_id(k), *k, published=points[k]["published"], new=points[k]["new"]) for k in keys]


def datasource_compare(*, submission: Submission, indicator: str) -> dict:
    """This submission's source of a table beside the country's last approved or published one, field by field."""
    current = submission.sources.select_related("source_type").filter(indicator=indicator).first()
    previous = (
        DataSource.objects.select_related("source_type", "submission__round")
        .filter(
            indicator=indicator,
            submission__country_id=submission.country_id,
            submission__status__in=[Submission.Status.APPROVED, Submission.Status.PUBLISHED],
            submission__uploaded_at__lt=submission.uploaded_at,
        )
        .exclude(submission=submission)
        .order_by("-submission__uploaded_at", "-submission_id")
        .first()
    )

    def shown(source: DataSource | None, name: str) -> str:
        if source is None:
            return ""
        if name == "source_type":
            return str(source.source_type)
        if name == "migrant_definition":
            return source.get_migrant_definition_display()
        return getattr(source, name)

    fields = []
    for name, label in DataSource.description_labels().items():
        now, before = shown(current, name), shown(previous, name)
        fields.append({"name": name, "label": label, "current": now, "previous": before, "changed": now != before})
    return {"current": current, "previous": previous, "fields": fields if current or previous else []}


def table_warnings(*, submission: Submission, indicator: str) -> list[dict]:
    """The table's issues by rule, with the focal point's answers: per rule, and per warning where given."""
    counts = (
        submission.issues.filter(indicator=indicator)
        .values("rule", "severity")
        .annotate(n=Count("id"))
        .order_by("severity", "rule")
    )
    answers = WarningExplanation.objects.filter(submission=submission).filter(
        Q(issue__indicator=indicator) | Q(issue__isnull=True, indicator__in=[indicator, ""])
    )
    by_rule: dict[str, list[WarningExplanation]] = defaultdict(list)
    for answer in answers.select_related("issue", "author"):
        by_rule[answer.rule].append(answer)
    return [{**c, "explanations": by_rule.get(c["rule"], [])} for c in counts]
