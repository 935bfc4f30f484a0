"""Additivity: along each dimension with a total, the total equals the sum of its parts."""

from __future__ import annotations

import polars as pl

from collection.models import DIMENSIONS, KEY_COLUMNS
from collection.validation.checks import RuleDef, empty_issues, fmt, row_issues
from collection.validation.kinds.base import ANCHOR, Kind, Params, RuleInput, describe, render
from collection.validation.kinds.tolerance import (
    ALLOWANCE,
    ROUNDING_HELP,
    TOLERANCE,
    Allowance,
    rounding_decimals,
    tolerance_problems,
)


def run_additivity(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """Along each dimension with a total, the total equals the sum of its parts (rows of the file only).

    Closed lists are checked when all their required parts are present; partner lists over the countries
    present plus X. One grouping per dimension; the parts are spelled out only for the totals that fail."""
    if rule.table is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
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
        group = [k for k in KEY_COLUMNS if k != column]
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


ADDITIVITY = Kind(
    run_additivity,
    {"dimensions": list(DIMENSIONS), **TOLERANCE},
    ("dimension", "total_code", "total", "parts", "sum", "difference", "cell", "table", *ALLOWANCE),
    optional=("decimals",),
    check=tolerance_problems,
    help=f"dimensions: which of sex, classif1, classif2; {ROUNDING_HELP}",
)
