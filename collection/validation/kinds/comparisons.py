"""Comparisons across tables, cell by cell: identity (total = sum of parts), bound (a part never exceeds its
total) and equal totals (the same total in several tables)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from collection.validation.checks import RuleDef, empty_issues, fmt, row_issues
from collection.validation.kinds.base import ANCHOR, CELL, Kind, Params, RuleInput, Side, describe, render, selection
from collection.validation.kinds.tolerance import (
    ALLOWANCE,
    ROUNDING_HELP,
    TOLERANCE,
    Allowance,
    rounding_decimals,
    tolerance_problems,
)


def match_columns(*sides: Side) -> list[str]:
    """Cells are matched on every key column that no side fixes."""
    fixed = {column for side in sides for column in side["where"]}
    return [c for c in CELL if c not in fixed]


def side_cells(data: RuleInput, side: Side, match: list[str], name: str) -> pl.DataFrame:
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
    params: Params,
    data: RuleInput,
    left: Side,
    rights: list[Side],
    *,
    fields: Callable[[list[str]], dict[str, pl.Expr]],
    relative_to: str = "left.value",
    one_sided: bool = False,
) -> pl.DataFrame:
    """Join the left side with the sum of the right sides cell by cell; an issue where the left side differs
    from that sum (only exceeds it, `one_sided`) by more than rounding the right sides' values and the
    relative tolerance (of `relative_to`) allow."""
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


def label(side: Side) -> str:
    """A side as the message names it: the indicator and its fixed codes."""
    where = ", ".join(side["where"].values())
    return f"{side['indicator']} ({where})" if where else side["indicator"]


def run_identity(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """The total table's cell equals the sum of the part tables' same cells (TEAP = TEMP + TUNE)."""
    total_side = params["total"] or rule.table
    if total_side is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
    total = selection(total_side)
    parts = [selection(p) for p in params["parts"]]
    return compare(
        rule,
        params,
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


def run_bound(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """A part never exceeds its total (TEAP ≤ TPOP, youth ≤ 15+), beyond what rounding explains."""
    part_side = params["part"] or rule.table
    if part_side is None:  # rule_problems refuses a one-table rule without its table
        return empty_issues()
    part = selection(part_side)
    total = selection(params["total"])
    return compare(
        rule,
        params,
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


def equal_totals_fields(other: Side, reference: Side) -> Callable[[list[str]], dict[str, pl.Expr]]:
    """The message's fields for one of the other tables, bound to it (not to the loop's last one)."""

    def fields(match: list[str]) -> dict[str, pl.Expr]:
        return {
            "table": pl.lit(label(other)),
            "value": fmt(pl.col("left.value")),
            "reference_table": pl.lit(label(reference)),
            "reference": fmt(pl.col("_right")),
            "difference": fmt(pl.col("left.value") - pl.col("_right")),
            "cell": describe(match),
        }

    return fields


def run_equal_totals(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """The same total reported in several tables agrees with the reference table's, cell by cell."""
    reference = selection(params["reference"])
    out = [
        compare(
            rule,
            params,
            data,
            other,
            [reference],
            relative_to="_right",
            fields=equal_totals_fields(other, reference),
        )
        for other in (selection(o) for o in params["others"])
    ]
    return pl.concat(out) if out else empty_issues()


IDENTITY = Kind(
    run_identity,
    {"total": None, "parts": None, **TOLERANCE},
    ("total_table", "total", "parts_tables", "sum", "difference", "cell", *ALLOWANCE),
    sides=("total", "parts"),
    optional=("total", "decimals"),
    check=tolerance_problems,
    help='total: indicator (default: the rule\'s table); parts: list of indicators; a side may be {"indicator": '
    f'..., "where": {{"classif1": ...}}}} to fix codes; {ROUNDING_HELP}',
)
BOUND = Kind(
    run_bound,
    {"part": None, "total": None, **TOLERANCE, "tolerance_pct": 0.0},
    ("part_table", "part", "total_table", "total", "excess", "cell", *ALLOWANCE),
    sides=("part", "total"),
    optional=("part", "decimals"),
    check=tolerance_problems,
    help="part, total: indicator or {indicator, where}; cells are matched on the key columns neither fixes; "
    f"{ROUNDING_HELP}",
)
EQUAL_TOTALS = Kind(
    run_equal_totals,
    {"reference": None, "others": None, **TOLERANCE},
    ("table", "value", "reference_table", "reference", "difference", "cell", *ALLOWANCE),
    sides=("reference", "others"),
    optional=("decimals",),
    check=tolerance_problems,
    help="reference: a side; others: list of sides whose value must equal the reference's, cell by cell; "
    f"{ROUNDING_HELP}",
)
