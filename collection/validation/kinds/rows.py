"""Kinds about single rows: a break flag without a note, the reporting country among its own partners."""

from __future__ import annotations

import polars as pl

from collection.validation.checks import RuleDef, empty_issues, row_issues
from collection.validation.kinds.base import CELL, Kind, Params, RuleInput, describe, render


def run_break_without_note(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """A break in series (B) says nothing to the reader without a note on what changed."""
    if rule.table is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
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


def run_own_country_partner(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """The reporting country cannot be its own partner country (foreign-born, foreign citizens, abroad)."""
    if rule.table is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
    column = params["column"]
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


BREAK_WITHOUT_NOTE = Kind(run_break_without_note, {}, ("cell", "time", "table"))
OWN_COUNTRY_PARTNER = Kind(
    run_own_country_partner,
    {"column": "classif1"},
    ("code", "country", "table"),
    help="column: the partner-country dimension.",
)
