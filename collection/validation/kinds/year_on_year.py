"""Year on year: a change from the year before beyond the table's threshold is asked about."""

from __future__ import annotations

import polars as pl

from collection.models import KEY_COLUMNS
from collection.validation.checks import RuleDef, empty_issues, fmt, row_issues
from collection.validation.kinds.base import MARGIN, Kind, Params, RuleInput, describe, fmt_number, render


def run_year_on_year(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """A change from the year before (this file's value if it has one, else the published one) beyond the
    table's threshold, ignoring tiny cells and rows flagged B with a note (a declared break)."""
    if rule.table is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
    new = data.new(rule.table)
    if new.is_empty():
        return empty_issues()
    series = [k for k in KEY_COLUMNS if k != "time"]
    before = data.table(rule.table).select(
        *series,
        (pl.col("time").cast(pl.Int64, strict=False) + 1).cast(pl.String).alias("time"),
        pl.col("value").alias("_previous"),
        pl.when(pl.col("_new")).then(pl.lit("this file")).otherwise(pl.lit("published")).alias("_from"),
    )
    joined = with_published(new.join(before, on=list(KEY_COLUMNS), how="inner"), data, rule.table)
    previous, value = pl.col("_previous"), pl.col("value")
    change = (value - previous) / previous * 100
    declared_break = (pl.col("obs_status") == "B") & (pl.col("note").str.strip_chars().fill_null("") != "")
    # Both years sent again as published: the change was reviewed and published already, not asked again.
    reviewed = same(value, pl.col("_published_now")) & same(previous, pl.col("_published_before"))
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


def with_published(frame: pl.DataFrame, data: RuleInput, table: str) -> pl.DataFrame:
    """Add the published value of each row's key (`_published_now`) and of the year before (`_published_before`)."""
    published = data.ctx.published
    if published is None or published.is_empty():
        return frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c) for c in ("_published_now", "_published_before")
        )
    values = published.filter(pl.col("indicator") == table).select(*KEY_COLUMNS, pl.col("value").cast(pl.Float64))
    earlier = values.with_columns((pl.col("time").cast(pl.Int64, strict=False) + 1).cast(pl.String).alias("time"))
    return frame.join(values.rename({"value": "_published_now"}), on=list(KEY_COLUMNS), how="left").join(
        earlier.rename({"value": "_published_before"}), on=list(KEY_COLUMNS), how="left"
    )


def same(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Equal up to float noise (values are compared as doubles here)."""
    return (a - b).abs() <= MARGIN * (1 + b.abs())


YEAR_ON_YEAR = Kind(
    run_year_on_year,
    {"threshold_pct": 30, "min_value": 5},
    ("time", "value", "previous_time", "previous", "previous_from", "change_pct", "threshold", "cell"),
    help="threshold_pct: % change flagged; min_value: cells where both values are below it are ignored "
    "(thousands of persons).",
)
