"""The rule kinds: each implemented once, on whole columns (polars), driven by a rule's parameters.

A rule (collection.models.ValidationRule) names its kind, its parameters, a severity and a message template;
`run_rules` applies every rule of a round to a submission's clean rows. Cross-table kinds compare the
submission with itself and, for cells it does not carry, with the country's published values, so a table
sent alone is still checked against the others.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import polars as pl
from django.core.exceptions import ValidationError

from collection.lib.labels import KEY_PARTS, SEPARATOR, catalogue_labels
from collection.validation.checks import DIMENSIONS, ID, KEY, CheckContext, empty_issues, fmt, issue, row_issues
from collection.validation.readers.base import ROW

CELL = ("ref_area", "source", "sex", "classif1", "classif2", "time")  # a key without the indicator
ANCHOR = (ROW, "_sheet", "_cell", ID)  # where in the file an issue points (null for published rows)
MAX_DECIMALS = 6  # more decimals than this are a formula's unrounded result (2.4000000000000004), not a precision
MARGIN = 1e-9  # relative float margin: 2.5 - 2.4 is 0.10000000000000009, and the boundary itself passes


@dataclass(frozen=True)
class RuleDef:
    """A rule as the worker applies it: a plain copy of the database row."""

    code: str
    kind: str
    table: str | None
    params: dict
    severity: str
    message: str

    @classmethod
    def from_model(cls, rule) -> RuleDef:
        return cls(rule.code, rule.kind, rule.table_id, dict(rule.params or {}), rule.severity, rule.message)


@dataclass
class RuleInput:
    """What the rules read: the submission's clean rows and the country's published rows around them."""

    rows: pl.DataFrame
    ctx: CheckContext

    @cached_property
    def combined(self) -> pl.DataFrame:
        """The submission's rows (`_new`) and the published ones for keys the submission does not carry."""
        new = self.rows.with_columns(pl.lit(True).alias("_new"))
        published = self.ctx.published
        if published is None or published.is_empty():
            return new
        published = published.join(new.select(KEY), on=list(KEY), how="anti")
        published = published.with_columns(
            pl.lit(None, dtype=new.schema[ROW]).alias(ROW),
            pl.lit(None, dtype=pl.String).alias("_sheet"),
            pl.lit(None, dtype=pl.String).alias("_cell"),
            pl.lit(None, dtype=new.schema[ID]).alias(ID),
            pl.lit("").alias("obs_status") if "obs_status" not in published.columns else pl.col("obs_status"),
            pl.lit(False).alias("_new"),
        )
        columns = [*KEY, "value", "obs_status", "note", *ANCHOR, "_new"]
        return pl.concat([new.select(columns), published.select(columns)], how="vertical_relaxed")

    @cached_property
    def _by_indicator(self) -> dict[str, pl.DataFrame]:
        return {key[0]: part for key, part in self.combined.partition_by("indicator", as_dict=True).items()}

    def table(self, indicator: str) -> pl.DataFrame:
        """One table's rows, new and published (an empty frame when there is none)."""
        return self._by_indicator.get(indicator, self.combined.clear())

    @cached_property
    def _new_by_indicator(self) -> dict[str, pl.DataFrame]:
        return {key[0]: part for key, part in self.rows.partition_by("indicator", as_dict=True).items()}

    def new(self, indicator: str) -> pl.DataFrame:
        """One table's rows in the file."""
        return self._new_by_indicator.get(indicator, self.rows.clear())

    @cached_property
    def decimals(self) -> dict[str, int]:
        """Per table of the file, the decimals its values are given in, counted on the text as written.

        The most common count among the values that show decimals ("2.50" counts 2), ties to the fewer: an
        office rounding to 0.1 writes 3.0 as "3" and a typed-in stray value has more, neither sets the table's
        precision; a table whose values show no decimals is given in whole units. More than MAX_DECIMALS
        count as MAX_DECIMALS (a formula's unrounded result). String offsets, no regex: 1M rows in ~0.2 s."""
        if self.rows.is_empty() or "obs_value" not in self.rows.columns:
            return {}
        text = pl.col("obs_value")
        point = pl.max_horizontal(text.str.find(".", literal=True), text.str.find(",", literal=True))
        counted = pl.when(point.is_not_null()).then(text.str.len_bytes().cast(pl.Int64) - point - 1)
        counts = (
            self.rows.select("indicator", counted.clip(0, MAX_DECIMALS).fill_null(0).alias("_d"))
            .group_by("indicator", "_d")
            .len()
            .with_columns((pl.col("_d") == 0).alias("_whole"))
            .sort("_whole", pl.col("len"), "_d", descending=[False, True, False])
        )
        return dict(counts.group_by("indicator", maintain_order=True).first().select("indicator", "_d").iter_rows())


@dataclass(frozen=True)
class Kind:
    """How a kind reads its parameters, which placeholders its message may use, and its implementation."""

    run: Callable[[RuleDef, RuleInput], pl.DataFrame] | None
    params: dict[str, object]  # name -> default (None: required)
    placeholders: tuple[str, ...]
    default_message: str
    needs_table: bool = True
    optional: tuple[str, ...] = ()  # parameters whose default is empty and may stay so
    help: str = ""


# --- messages ------------------------------------------------------------------------------------------


def render(template: str, fields: dict[str, pl.Expr]) -> pl.Expr:
    """The message template as one text expression: literal parts and the placeholders' columns."""
    parts: list[pl.Expr] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            parts.append(fields[name].cast(pl.String).fill_null(""))
    return pl.concat_str(parts) if parts else pl.lit("")


def describe(columns: list[str] | tuple[str, ...], prefix: str = "") -> pl.Expr:
    """A cell as a statistician reads it, labels first and codes second: "South Korea · Female · 2025 (SEX_F,
    CNT_KOR, 2025)" (empty codes and ref_area/source left out)."""
    labels = catalogue_labels()

    def present(column: str) -> pl.Expr:
        return pl.when(pl.col(prefix + column) == "").then(None).otherwise(pl.col(prefix + column))

    in_words = [present(c).replace(labels) for c in KEY_PARTS if c in columns]
    words = pl.concat_str(in_words, separator=SEPARATOR, ignore_nulls=True)
    code_order = [c for c in ("sex", "classif1", "classif2", "time") if c in columns]
    codes = pl.concat_str([present(c) for c in code_order], separator=", ", ignore_nulls=True)
    same = words == pl.concat_str(
        [present(c) for c in KEY_PARTS if c in columns], separator=SEPARATOR, ignore_nulls=True
    )
    return pl.when(same).then(codes).otherwise(pl.format("{} ({})", words, codes))


def tolerance(total: pl.Expr, params: dict) -> pl.Expr:
    """The relative tolerance: tolerance_pct % of the total, at least tolerance_abs."""
    return pl.max_horizontal(total.abs() * float(params["tolerance_pct"]) / 100, pl.lit(float(params["tolerance_abs"])))


def rounding_decimals(params: dict, data: RuleInput, indicators: list[str]) -> int | None:
    """The decimals the compared values are rounded to: the rule's `decimals`, else the coarsest precision of
    the tables in the file (published values carry no text); None when the rule says the values are exact."""
    if params["rounding"] == "none":
        return None
    if params["decimals"] is not None:
        return int(params["decimals"])
    known = [data.decimals[i] for i in indicators if i in data.decimals]
    return min(known) if known else None


@dataclass(frozen=True)
class Allowance:
    """What a part-whole comparison lets pass: rounding n values to d decimals (n × half a unit of the last
    decimal, DOMAIN.md §5.1) plus the relative tolerance; `said` puts it in words for the message."""

    total: pl.Expr
    said: pl.Expr

    @classmethod
    def of(cls, n: pl.Expr, decimals: int | None, reference: pl.Expr, params: dict) -> Allowance:
        half_unit = 0.0 if decimals is None else 0.5 * 10.0**-decimals
        rounding = n.cast(pl.Float64) * half_unit
        relative = tolerance(reference, params)
        unit = "whole numbers" if decimals in (None, 0) else f"{10.0**-decimals:.{decimals}f}"
        values = pl.format("{} value{}", n, pl.when(n == 1).then(pl.lit("")).otherwise(pl.lit("s")))
        pct = float(params["tolerance_pct"])
        relative_said = (
            pl.when(reference.abs() * pct / 100 >= float(params["tolerance_abs"]))
            .then(pl.format("the {} % tolerance ({})", pl.lit(fmt_number(pct)), fmt(relative)))
            .otherwise(pl.format("the tolerance of {}", fmt(relative)))
        )
        said = (
            pl.when((rounding > 0) & (relative > 0))
            .then(
                pl.format(
                    "the {} that rounding {} to {} ({}) and {} can explain",
                    fmt(rounding + relative),
                    values,
                    pl.lit(unit),
                    fmt(rounding),
                    relative_said,
                )
            )
            .when(rounding > 0)
            .then(pl.format("the {} that rounding {} to {} can explain", fmt(rounding), values, pl.lit(unit)))
            .when(relative > 0)
            .then(relative_said)
            .otherwise(pl.lit("none at all (the rule allows no difference)"))
        )
        return cls(rounding + relative, said)

    def exceeded_by(self, difference: pl.Expr, reference: pl.Expr) -> pl.Expr:
        """The difference is beyond the allowance; one at the boundary passes (a float margin, never a strict >)."""
        return difference > self.total + MARGIN * (1 + reference.abs())


def param(rule: RuleDef, name: str):
    """A rule's parameter, or its kind's default when the rule leaves it out."""
    value = rule.params.get(name)
    return KINDS[rule.kind].params[name] if value is None else value


def _params(rule: RuleDef) -> dict:
    return {name: param(rule, name) for name in KINDS[rule.kind].params}


# --- additivity ----------------------------------------------------------------------------------------


def run_additivity(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """Along each dimension with a total, the total equals the sum of its parts (rows of the file only).

    Closed lists are checked when all their required parts are present; partner lists over the countries
    present plus X. One grouping per dimension; the parts are spelled out only for the totals that fail."""
    params = _params(rule)
    spec = data.ctx.specs.get(rule.table)
    frame = data.new(rule.table)
    if spec is None or frame.is_empty():
        return empty_issues()
    decimals = rounding_decimals(params, data, [rule.table])
    out = []
    for column in params["dimensions"]:
        dim = spec.dimensions.get(column)
        if dim is None or dim.total is None:
            continue
        required = sorted(dim.required_parts)
        group = [k for k in KEY if k != column]
        is_total = pl.col(column) == dim.total
        sums = (
            frame.filter(pl.col(column).is_in(dim.codes))
            .group_by(group)
            .agg(
                pl.col("value").filter(is_total).first().alias("_total"),
                *(pl.col(c).filter(is_total).first() for c in ANCHOR),
                pl.col("value").filter(~is_total).sum().alias("_sum"),
                (~is_total).sum().alias("_n_parts"),
                pl.col(column).is_in(required).sum().alias("_required_present"),
            )
            .filter(pl.col("_total").is_not_null() & (pl.col("_n_parts") > 0))
        )
        partner = dim.kind == "partner"
        checked = pl.lit(True) if partner else pl.col("_required_present") == len(required)
        diff = pl.col("_total") - pl.col("_sum")
        allowance = Allowance.of(pl.col("_n_parts"), decimals, pl.col("_total"), params)
        failing = sums.filter(checked & allowance.exceeded_by(diff.abs(), pl.col("_total")))
        if failing.is_empty():
            continue
        if not partner:  # name the parts that were added
            codes = (
                frame.join(failing.select(group), on=group, how="semi")
                .filter(pl.col(column).is_in(dim.parts))
                .group_by(group)
                .agg(pl.col(column).sort().str.join(" + ").alias("_codes"))
            )
            failing = failing.join(codes, on=group, how="left")
        parts_label = (
            pl.format("the {} partner countries reported (with X)", pl.col("_n_parts")) if partner else pl.col("_codes")
        )
        message = render(
            rule.message,
            {
                "dimension": pl.lit(column),
                "total_code": pl.lit(dim.total),
                "total": fmt(pl.col("_total")),
                "parts": parts_label,
                "sum": fmt(pl.col("_sum")),
                "difference": fmt(diff),
                "tolerance": fmt(allowance.total),
                "allowance": allowance.said,
                "cell": describe([c for c in group if c != "indicator"]),
                "table": pl.col("indicator"),
            },
        )
        out.append(
            row_issues(
                failing.with_columns(pl.lit(dim.total).alias(column)),  # the issue is about the total's value
                rule=rule.code,
                column="obs_value",
                mask=pl.lit(True),
                message=message,
                severity=rule.severity,
            )
        )
    return pl.concat(out) if out else empty_issues()


# --- comparisons across tables: identity, bound, equal totals -----------------------------------------


def selection(value: str | dict) -> dict:
    """A side of a comparison: an indicator, optionally narrowed to fixed codes ({"classif1": "..."})."""
    if isinstance(value, str):
        return {"indicator": value, "where": {}}
    return {"indicator": value["indicator"], "where": dict(value.get("where") or {})}


def match_columns(*sides: dict) -> list[str]:
    """Cells are matched on every key column that no side fixes."""
    fixed = {column for side in sides for column in side["where"]}
    return [c for c in CELL if c not in fixed]


def side_cells(data: RuleInput, side: dict, match: list[str], name: str) -> pl.DataFrame:
    """The side's cells: the match columns, its value, and where it sits in the file and which key it has when
    it is new."""
    frame = data.table(side["indicator"])
    for column, code in side["where"].items():
        frame = frame.filter(pl.col(column) == code)
    own = ["indicator", *(c for c in CELL if c not in match)]
    return frame.select(
        *match,
        pl.col("value").alias(f"{name}.value"),
        pl.col("_new").alias(f"{name}.new"),
        *(pl.col(c).alias(f"{name}.{c}") for c in ANCHOR),
        *(pl.when(pl.col("_new")).then(pl.col(c)).alias(f"{name}.{c}") for c in own),
    )


def anchored(frame: pl.DataFrame, names: list[str], match: list[str]) -> pl.DataFrame:
    """Point each compared cell at the first side that is in the file (published sides have no place): its
    place and its key."""
    own = ["indicator", *(c for c in CELL if c not in match)]
    return frame.with_columns(
        pl.any_horizontal([pl.col(f"{n}.new") for n in names]).alias("_any_new"),
        *(pl.coalesce([pl.col(f"{n}.{c}") for n in names]).alias(c) for c in (*ANCHOR, *own)),
    )


def compare(
    rule: RuleDef,
    data: RuleInput,
    left: dict,
    rights: list[dict],
    *,
    fields: Callable[[list[str]], dict[str, pl.Expr]],
    relative_to: str = "left.value",
    one_sided: bool = False,
) -> pl.DataFrame:
    """Join the left side with the sum of the right sides cell by cell; an issue where the left side differs
    from that sum (only exceeds it, `one_sided`) by more than rounding the right sides' values and the
    relative tolerance (of `relative_to`) allow."""
    params = _params(rule)
    match = match_columns(left, *rights)
    names = ["left"] + [f"right{i}" for i in range(len(rights))]
    joined = side_cells(data, left, match, "left")
    for name, side in zip(names[1:], rights, strict=True):
        joined = joined.join(side_cells(data, side, match, name), on=match, how="inner")
    if joined.is_empty():
        return empty_issues()
    joined = anchored(joined, names, match).with_columns(
        pl.sum_horizontal([pl.col(f"{n}.value") for n in names[1:]]).alias("_right")
    )
    decimals = rounding_decimals(params, data, [s["indicator"] for s in (left, *rights)])
    reference = pl.col(relative_to)
    allowance = Allowance.of(pl.lit(len(rights)), decimals, reference, params)
    difference = pl.col("left.value") - pl.col("_right")
    return row_issues(
        joined,
        rule=rule.code,
        column="obs_value",
        mask=pl.col("_any_new") & allowance.exceeded_by(difference if one_sided else difference.abs(), reference),
        message=render(rule.message, {**fields(match), "tolerance": fmt(allowance.total), "allowance": allowance.said}),
        severity=rule.severity,
    )


def label(side: dict) -> str:
    """A side as the message names it: the indicator and its fixed codes."""
    where = ", ".join(side["where"].values())
    return f"{side['indicator']} ({where})" if where else side["indicator"]


def run_identity(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """The total table's cell equals the sum of the part tables' same cells (TEAP = TEMP + TUNE)."""
    params = _params(rule)
    total = selection(params["total"] or rule.table)
    parts = [selection(p) for p in params["parts"]]
    return compare(
        rule,
        data,
        total,
        parts,
        fields=lambda match: {
            "total_table": pl.lit(label(total)),
            "total": fmt(pl.col("left.value")),
            "parts_tables": pl.lit(" + ".join(label(p) for p in parts)),
            "sum": fmt(pl.col("_right")),
            "difference": fmt(pl.col("left.value") - pl.col("_right")),
            "cell": describe(match),
        },
    )


def run_bound(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """A part never exceeds its total (TEAP ≤ TPOP, youth ≤ 15+), beyond what rounding explains."""
    params = _params(rule)
    part = selection(params["part"] or rule.table)
    total = selection(params["total"])
    return compare(
        rule,
        data,
        part,
        [total],
        relative_to="_right",
        one_sided=True,
        fields=lambda match: {
            "part_table": pl.lit(label(part)),
            "part": fmt(pl.col("left.value")),
            "total_table": pl.lit(label(total)),
            "total": fmt(pl.col("_right")),
            "excess": fmt(pl.col("left.value") - pl.col("_right")),
            "cell": describe(match),
        },
    )


def run_equal_totals(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """The same total reported in several tables agrees with the reference table's, cell by cell."""
    params = _params(rule)
    reference = selection(params["reference"])
    out = [
        compare(
            rule,
            data,
            other,
            [reference],
            relative_to="_right",
            fields=lambda match, other=other: {
                "table": pl.lit(label(other)),
                "value": fmt(pl.col("left.value")),
                "reference_table": pl.lit(label(reference)),
                "reference": fmt(pl.col("_right")),
                "difference": fmt(pl.col("left.value") - pl.col("_right")),
                "cell": describe(match),
            },
        )
        for other in (selection(o) for o in params["others"])
    ]
    return pl.concat(out) if out else empty_issues()


# --- year on year, flags, partner lists ----------------------------------------------------------------


def run_year_on_year(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """A change from the year before (this file's value if it has one, else the published one) beyond the
    table's threshold, ignoring tiny cells and rows flagged B with a note (a declared break)."""
    params = _params(rule)
    new = data.new(rule.table)
    if new.is_empty():
        return empty_issues()
    series = [k for k in KEY if k != "time"]
    before = data.table(rule.table).select(
        *series,
        (pl.col("time").cast(pl.Int64, strict=False) + 1).cast(pl.String).alias("time"),
        pl.col("value").alias("_previous"),
        pl.when(pl.col("_new")).then(pl.lit("this file")).otherwise(pl.lit("published")).alias("_from"),
    )
    joined = _with_published(new.join(before, on=list(KEY), how="inner"), data, rule.table)
    previous, value = pl.col("_previous"), pl.col("value")
    change = (value - previous) / previous * 100
    declared_break = (pl.col("obs_status") == "B") & (pl.col("note").str.strip_chars().fill_null("") != "")
    # Both years sent again as published: the change was reviewed and published already, not asked again.
    reviewed = _same(value, pl.col("_published_now")) & _same(previous, pl.col("_published_before"))
    threshold = float(params["threshold_pct"])
    mask = (
        ~reviewed.fill_null(False)
        & (previous > 0)
        & (pl.max_horizontal(value, previous) >= float(params["min_value"]))
        & (change.abs() > threshold)
        & ~declared_break.fill_null(False)
    )
    fields = {
        "time": pl.col("time"),
        "value": fmt(value),
        "previous_time": (pl.col("time").cast(pl.Int64) - 1).cast(pl.String),
        "previous": fmt(previous),
        "previous_from": pl.col("_from"),
        "change_pct": pl.format(
            "{}{}", pl.when(change > 0).then(pl.lit("+")).otherwise(pl.lit("")), fmt(change.round(1))
        ),
        "threshold": pl.lit(fmt_number(threshold)),
        "cell": describe(series),
    }
    return row_issues(
        joined,
        rule=rule.code,
        column="obs_value",
        mask=mask,
        message=render(rule.message, fields),
        severity=rule.severity,
    )


def _with_published(frame: pl.DataFrame, data: RuleInput, table: str) -> pl.DataFrame:
    """Add the published value of each row's key (`_published_now`) and of the year before (`_published_before`)."""
    published = data.ctx.published
    if published is None or published.is_empty():
        return frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c) for c in ("_published_now", "_published_before")
        )
    values = published.filter(pl.col("indicator") == table).select(*KEY, pl.col("value").cast(pl.Float64))
    earlier = values.with_columns((pl.col("time").cast(pl.Int64, strict=False) + 1).cast(pl.String).alias("time"))
    return frame.join(values.rename({"value": "_published_now"}), on=list(KEY), how="left").join(
        earlier.rename({"value": "_published_before"}), on=list(KEY), how="left"
    )


def _same(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Equal up to float noise (values are compared as doubles here)."""
    return (a - b).abs() <= MARGIN * (1 + b.abs())


def fmt_number(value: float) -> str:
    return f"{value:g}"


def run_break_without_note(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """A break in series (B) says nothing to the reader without a note on what changed."""
    frame = data.new(rule.table)
    no_note = pl.col("note").fill_null("").str.strip_chars() == ""
    return row_issues(
        frame,
        rule=rule.code,
        column="note",
        mask=(pl.col("obs_status") == "B") & no_note,
        message=render(rule.message, {"cell": describe(CELL), "time": pl.col("time"), "table": pl.col("indicator")}),
        severity=rule.severity,
    )


def run_own_country_partner(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """The reporting country cannot be its own partner country (foreign-born, foreign citizens, abroad)."""
    column = param(rule, "column")
    spec = data.ctx.specs.get(rule.table)
    dim = spec.dimensions.get(column) if spec else None
    if dim is None or not dim.codes:
        return empty_issues()
    own = dim.codes[0].rsplit("_", 1)[0] + "_" + data.ctx.country
    frame = data.new(rule.table)
    return row_issues(
        frame,
        rule=rule.code,
        column=column,
        mask=pl.col(column) == own,
        message=render(
            rule.message,
            {"code": pl.col(column), "country": pl.lit(data.ctx.country), "table": pl.col("indicator")},
        ),
        severity=rule.severity,
    )


def run_completeness(rule: RuleDef, data: RuleInput) -> pl.DataFrame:
    """Requested tables and years that neither this file, the country's other submissions of the round
    awaiting review, nor the published data carry: one warning listing them."""
    have = set(data.rows.select("indicator", "time").unique().iter_rows()) | data.ctx.reported_elsewhere
    years = [str(y) for y in data.ctx.reference_years]
    missing: dict[str, list[str]] = {}
    for indicator in [i for i in data.ctx.specs if i in data.ctx.requested]:  # the catalogue's order
        gaps = [y for y in years if (indicator, y) not in have]
        if gaps:
            missing[indicator] = gaps
    if not missing:
        return empty_issues()
    listed = "; ".join(
        indicator if len(gaps) == len(years) else f"{indicator} ({', '.join(gaps)})"
        for indicator, gaps in missing.items()
    )
    count = sum(len(g) for g in missing.values())
    message = pl.select(render(rule.message, {"missing": pl.lit(listed), "count": pl.lit(str(count))})).item()
    return issue(rule.code, message, severity=rule.severity)


# --- the catalogue of kinds ----------------------------------------------------------------------------

# Part-whole kinds: rounding is counted from the file unless the rule says otherwise (rule_problems explains).
ROUNDING = {"rounding": "auto", "decimals": None}
TOLERANCE = {"tolerance_pct": 0.1, "tolerance_abs": 0.0, **ROUNDING}
ROUNDING_HELP = (
    'rounding: "auto" (the values are rounded as written in the file: n values to d decimals may be off by n × '
    'half a unit of the last decimal) or "none" (the values are exact); decimals: empty (count them in the file) '
    "or the number of decimals the table is given in; tolerance: that plus max(tolerance_pct % of the total, "
    "tolerance_abs)."
)
ALLOWANCE = ("tolerance", "allowance")

KINDS: dict[str, Kind] = {
    "additivity": Kind(
        run_additivity,
        {"dimensions": list(DIMENSIONS), **TOLERANCE},
        ("dimension", "total_code", "total", "parts", "sum", "difference", "cell", "table", *ALLOWANCE),
        "Along {dimension}, the total {total_code} is {total} but {parts} add up to {sum} "
        "(difference {difference}) for {cell}; that is more than {allowance}.",
        optional=("decimals",),
        help=f"dimensions: which of sex, classif1, classif2; {ROUNDING_HELP}",
    ),
    "identity": Kind(
        run_identity,
        {"total": None, "parts": None, **TOLERANCE},
        ("total_table", "total", "parts_tables", "sum", "difference", "cell", *ALLOWANCE),
        "{total_table} is {total} for {cell} but {parts_tables} add up to {sum} (difference {difference}); "
        "that is more than {allowance}.",
        optional=("total", "decimals"),
        help='total: indicator (default: the rule\'s table); parts: list of indicators; a side may be {"indicator": '
        f'..., "where": {{"classif1": ...}}}} to fix codes; {ROUNDING_HELP}',
    ),
    "bound": Kind(
        run_bound,
        {"part": None, "total": None, **TOLERANCE, "tolerance_pct": 0.0},
        ("part_table", "part", "total_table", "total", "excess", "cell", *ALLOWANCE),
        "{part_table} is {part} for {cell}, more than {total_table} ({total}) which contains it, by {excess}; "
        "that is more than {allowance}.",
        optional=("part", "decimals"),
        help="part, total: indicator or {indicator, where}; cells are matched on the key columns neither fixes; "
        f"{ROUNDING_HELP}",
    ),
    "equal_totals": Kind(
        run_equal_totals,
        {"reference": None, "others": None, **TOLERANCE},
        ("table", "value", "reference_table", "reference", "difference", "cell", *ALLOWANCE),
        "{table} gives {value} for {cell} but {reference_table} gives {reference} (difference {difference}); "
        "that is more than {allowance}.",
        optional=("decimals",),
        help="reference: a side; others: list of sides whose value must equal the reference's, cell by cell; "
        f"{ROUNDING_HELP}",
    ),
    "year_on_year": Kind(
        run_year_on_year,
        {"threshold_pct": 30, "min_value": 5},
        ("time", "value", "previous_time", "previous", "previous_from", "change_pct", "threshold", "cell"),
        "{cell}: {value} against {previous} in {previous_time} ({previous_from}) is a change of {change_pct} %, "
        "beyond the {threshold} % expected for this table. Flag the value B with a note if the series breaks, "
        "or explain the change.",
        help="threshold_pct: % change flagged; min_value: cells where both values are below it are ignored "
        "(thousands of persons).",
    ),
    "break_without_note": Kind(
        run_break_without_note,
        {},
        ("cell", "time", "table"),
        "{cell} is flagged B (break in series) without a note; say in the note what changed.",
    ),
    "own_country_partner": Kind(
        run_own_country_partner,
        {"column": "classif1"},
        ("code", "country", "table"),
        "{code} is the reporting country ({country}) itself; {table} lists other countries only.",
        help="column: the partner-country dimension.",
    ),
    "completeness": Kind(
        run_completeness,
        {},
        ("missing", "count"),
        "{count} requested table-year(s) are missing (not in this file, not awaiting review, not published): "
        "{missing}.",
        needs_table=False,
    ),
    "source_metadata": Kind(
        None,  # checked when the focal point submits (collection.sources), not by the worker
        {"fields": ["source_type", "name", "reference_period", "coverage", "migrant_definition"]},
        ("indicator", "missing"),
        "{indicator}: describe its {missing} before submitting.",
        needs_table=False,
        help="fields: the source metadata every indicator of a submission needs.",
    ),
}


def rule_problems(rule) -> None:
    """Raise a ValidationError naming what is wrong with a rule's kind, parameters or message."""
    kind = KINDS.get(rule.kind)
    if kind is None:
        raise ValidationError({"kind": f"Unknown kind {rule.kind!r}."})
    errors = {}
    params = rule.params or {}
    if not isinstance(params, dict):
        raise ValidationError({"params": "Parameters are a JSON object."})
    unknown = sorted(set(params) - set(kind.params))
    missing = sorted(
        n for n, default in kind.params.items() if default is None and n not in kind.optional and params.get(n) is None
    )
    said = [f"unknown parameter(s) {', '.join(unknown)}"] if unknown else []
    said += [f"missing parameter(s) {', '.join(missing)}"] if missing else []
    said += _tolerance_problems(params) if "rounding" in kind.params else []
    if said:
        text = "; ".join(said)
        errors["params"] = f"{text[0].upper()}{text[1:]}. {kind.help}".strip()
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(rule.message or "") if name is not None}
    except ValueError as exc:
        errors["message"] = f"The message template is malformed: {exc}."
    else:
        wrong = sorted(names - set(kind.placeholders))
        if wrong:
            errors["message"] = (
                f"Unknown placeholder(s) {', '.join('{' + w + '}' for w in wrong)}; this kind offers "
                f"{', '.join('{' + p + '}' for p in kind.placeholders)}."
            )
    if kind.needs_table and not getattr(rule, "table_id", None):
        errors["table"] = "This kind applies to one table: choose it."
    if errors:
        raise ValidationError(errors)


def _tolerance_problems(params: dict) -> list[str]:
    """What is wrong with a part-whole rule's rounding and tolerances, in words."""
    problems = []
    rounding, decimals = params.get("rounding"), params.get("decimals")
    if rounding not in (None, "auto", "none"):
        problems.append(f'rounding is "auto" or "none", not {rounding!r}')
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS
    ):
        problems.append(f"decimals is empty or a whole number from 0 to {MAX_DECIMALS}, not {decimals!r}")
    elif decimals is not None and rounding == "none":
        problems.append('decimals says how the values are rounded, but rounding is "none"')
    for name in ("tolerance_pct", "tolerance_abs"):
        value = params.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            problems.append(f"{name} is a number of 0 or more, not {value!r}")
    return problems


def run_rules(rows: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Every rule of the round that the worker applies, on the clean rows; one frame of issues."""
    data = RuleInput(rows, ctx)
    present = set(rows["indicator"].unique()) if rows.height else set()
    out = [empty_issues()]
    for rule in ctx.rules:
        kind = KINDS.get(rule.kind)
        if kind is None or kind.run is None:
            continue
        if rule.kind == "completeness" or rule.table in present or _touches(rule, present):
            out.append(kind.run(rule, data))
    return pl.concat(out)


def _touches(rule: RuleDef, present: set[str]) -> bool:
    """A cross-table rule runs when any of its tables is in the file (the others may come from the master)."""
    sides = [rule.params.get(k) for k in ("total", "part", "reference")]
    sides += list(rule.params.get("parts") or []) + list(rule.params.get("others") or [])
    return any(selection(s)["indicator"] in present for s in sides if s)
