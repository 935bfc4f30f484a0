"""What every rule kind is made of: its declaration (`Kind`), what it reads (`RuleInput`), and the words of its
messages (`render`, `describe`)."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypedDict

import polars as pl

from collection.lib.labels import KEY_PARTS, SEPARATOR, catalogue_labels
from collection.models import DIMENSIONS, KEY_COLUMNS
from collection.validation.checks import ID, CheckContext, RuleDef
from collection.validation.readers.base import ROW

CELL = KEY_COLUMNS[1:]  # a key without the indicator
ANCHOR = (ROW, "_sheet", "_cell", ID)  # where in the file an issue points (null for published rows)
MAX_DECIMALS = 6  # more decimals than this are a formula's unrounded result (2.4000000000000004), not a precision
MARGIN = 1e-9  # relative float margin: 2.5 - 2.4 is 0.10000000000000009, and the boundary itself passes

Params = dict[str, Any]


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
        published = published.join(new.select(KEY_COLUMNS), on=list(KEY_COLUMNS), how="anti")
        published = published.with_columns(
            pl.lit(None, dtype=new.schema[ROW]).alias(ROW),
            pl.lit(None, dtype=pl.String).alias("_sheet"),
            pl.lit(None, dtype=pl.String).alias("_cell"),
            pl.lit(None, dtype=new.schema[ID]).alias(ID),
            pl.lit("").alias("obs_status") if "obs_status" not in published.columns else pl.col("obs_status"),
            pl.lit(False).alias("_new"),
        )
        columns = [*KEY_COLUMNS, "value", "obs_status", "note", *ANCHOR, "_new"]
        return pl.concat([new.select(columns), published.select(columns)], how="vertical_relaxed")

    @cached_property
    def by_indicator(self) -> dict[str, pl.DataFrame]:
        return {key[0]: part for key, part in self.combined.partition_by("indicator", as_dict=True).items()}

    def table(self, indicator: str) -> pl.DataFrame:
        """One table's rows, new and published (an empty frame when there is none)."""
        return self.by_indicator.get(indicator, self.combined.clear())

    @cached_property
    def new_by_indicator(self) -> dict[str, pl.DataFrame]:
        return {key[0]: part for key, part in self.rows.partition_by("indicator", as_dict=True).items()}

    def new(self, indicator: str) -> pl.DataFrame:
        """One table's rows in the file."""
        return self.new_by_indicator.get(indicator, self.rows.clear())

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


def no_problems(params: Params) -> list[str]:
    """The check of a kind whose parameters need nothing beyond being present."""
    return []


@dataclass(frozen=True)
class Kind:
    """A rule kind as the registry knows it: its parameters and their defaults (None: required unless
    `optional`), the parameters that name tables (`sides`: a side or a list of sides), the placeholders its
    message may use, its own check of its parameters, and its implementation (None: not the worker's)."""

    run: Callable[[RuleDef, Params, RuleInput], pl.DataFrame] | None
    params: Params
    placeholders: tuple[str, ...]
    sides: tuple[str, ...] = ()
    whole_submission: bool = False  # about the whole submission: no table of its own, applied to every file
    optional: tuple[str, ...] = ()  # parameters whose default is empty and may stay so
    check: Callable[[Params], list[str]] = no_problems
    help: str = ""

    def resolve(self, given: Params) -> Params:
        """The parameters a rule runs with: what it gives, its kind's default for what it leaves out."""
        return {name: default if given.get(name) is None else given[name] for name, default in self.params.items()}

    def touches(self, rule: RuleDef, present: set[str]) -> bool:
        """Whether the rule has something to check in a file carrying the `present` tables: its table or any
        of its sides (the other sides may come from the published data)."""
        if self.whole_submission:
            return True
        named = [rule.table]
        for name in self.sides:
            value = rule.params.get(name)
            named += [selection(s)["indicator"] for s in (value if isinstance(value, list) else [value]) if s]
        return any(indicator in present for indicator in named)


class Side(TypedDict):
    """One side of a comparison: a table and the codes it is narrowed to."""

    indicator: str
    where: dict[str, str]


def selection(value: str | Side) -> Side:
    """A side of a comparison: an indicator, optionally narrowed to fixed codes ({"classif1": "..."})."""
    if isinstance(value, str):
        return {"indicator": value, "where": {}}
    return {"indicator": value["indicator"], "where": dict(value.get("where") or {})}


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
    code_order = [c for c in (*DIMENSIONS, "time") if c in columns]
    codes = pl.concat_str([present(c) for c in code_order], separator=", ", ignore_nulls=True)
    same = words == pl.concat_str(
        [present(c) for c in KEY_PARTS if c in columns], separator=SEPARATOR, ignore_nulls=True
    )
    return pl.when(same).then(codes).otherwise(pl.format("{} ({})", words, codes))


def fmt_number(value: float) -> str:
    return f"{value:g}"
