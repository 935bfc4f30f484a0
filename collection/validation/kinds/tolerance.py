"""What the part-whole kinds (additivity, identity, bound, equal totals) let pass: rounding and a tolerance."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from collection.validation.checks import fmt
from collection.validation.kinds.base import MARGIN, MAX_DECIMALS, Params, RuleInput, fmt_number

# Rounding is counted from the file unless the rule says otherwise (tolerance_problems explains).
ROUNDING = {"rounding": "auto", "decimals": None}
TOLERANCE = {"tolerance_pct": 0.1, "tolerance_abs": 0.0, **ROUNDING}
ROUNDING_HELP = (
    'rounding: "auto" (the values are rounded as written in the file: n values to d decimals may be off by n × '
    'half a unit of the last decimal) or "none" (the values are exact); decimals: empty (count them in the file) '
    "or the number of decimals the table is given in; tolerance: that plus max(tolerance_pct % of the total, "
    "tolerance_abs)."
)
ALLOWANCE = ("tolerance", "allowance")  # the placeholders every part-whole message may use


def tolerance_problems(params: Params) -> list[str]:
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


def tolerance(total: pl.Expr, params: Params) -> pl.Expr:
    """The relative tolerance: tolerance_pct % of the total, at least tolerance_abs."""
    return pl.max_horizontal(total.abs() * float(params["tolerance_pct"]) / 100, pl.lit(float(params["tolerance_abs"])))


def rounding_decimals(params: Params, data: RuleInput, indicators: list[str]) -> int | None:
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
    def of(cls, n: pl.Expr, decimals: int | None, reference: pl.Expr, params: Params) -> Allowance:
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
