"""A few rows as the rule kinds receive them, without a file or the database: the clean frame, a context with
hand-made table specs, and the labels the messages read (put where the catalogue's labels are kept)."""

from __future__ import annotations

import polars as pl

from collection.catalogue.specs import DimensionSpec, TableSpec
from collection.lib.published import PUBLISHED_SCHEMA
from collection.models import KEY_COLUMNS
from collection.validation.checks import CheckContext, RuleDef
from collection.validation.kinds import run_rules
from collection.validation.readers.base import ROW

LABELS = {
    "SEX_T": "Total",
    "SEX_M": "Male",
    "SEX_F": "Female",
    "AGE_YTHADULT_YGE15": "15+",
    "AGE_YTHADULT_Y15-24": "15-24",
    "CBR_BRT_TOTAL": "Total",
    "CBR_BRT_KHM": "Cambodia",
    "CBR_BRT_MMR": "Myanmar",
    "CBR_BRT_THA": "Thailand",
    "CBR_BRT_X": "Other or unknown countries",
}
SEX = DimensionSpec("sex", "SEX", "closed", ["SEX_T", "SEX_M", "SEX_F"], "SEX_T")
AGE = DimensionSpec("classif1", "AGE_YTHADULT", "closed", ["AGE_YTHADULT_YGE15", "AGE_YTHADULT_Y15-24"], None)
BIRTH = DimensionSpec(
    "classif1", "CBR_BRT", "partner", ["CBR_BRT_TOTAL", "CBR_BRT_KHM", "CBR_BRT_MMR", "CBR_BRT_X"], "CBR_BRT_TOTAL"
)


def spec(indicator: str, *dimensions: DimensionSpec, measure: str = "stock") -> TableSpec:
    return TableSpec(indicator, indicator, measure, {d.column: d for d in dimensions})


def rows(*given: dict) -> pl.DataFrame:
    """Clean rows (the frame `run_rules` reads): each given as its codes and obs_value text, in file order."""
    defaults = {"ref_area": "THA", "source": "BA", "sex": "SEX_T", "classif1": "", "classif2": "", "time": "2025"}
    records = [
        {
            **defaults,
            "obs_status": "",
            "note": "",
            **r,
            ROW: n + 2,
            "_sheet": None,
            "_cell": None,
            "_id": n,
        }
        for n, r in enumerate(given)
    ]
    frame = pl.DataFrame(
        records,
        schema={
            **dict.fromkeys(KEY_COLUMNS, pl.String),
            "obs_value": pl.String,
            "obs_status": pl.String,
            "note": pl.String,
            ROW: pl.Int64,
            "_sheet": pl.String,
            "_cell": pl.String,
            "_id": pl.Int64,
        },
    )
    return frame.with_columns(pl.col("obs_value").cast(pl.Float64).alias("value"))


def published(*given: dict) -> pl.DataFrame:
    """Rows as the master table hands them to the checks."""
    return rows(*given).select(*(pl.col(c).cast(t) for c, t in PUBLISHED_SCHEMA.items()))


def context(*specs: TableSpec, **fields: object) -> CheckContext:
    """Thailand's round of 2024-2025 over the given tables."""
    return CheckContext(
        country="THA",
        reference_years=[2024, 2025],
        requested={s.indicator for s in specs},
        specs={s.indicator: s for s in specs},
        source_types={"BA", "FA"},
        flags=set("ABIMRU"),
        **fields,
    )


def apply(rule: RuleDef, frame: pl.DataFrame, ctx: CheckContext) -> list[dict]:
    """The issues one rule raises on the rows, through the registry as the worker applies it."""
    ctx.rules = [rule]
    return run_rules(frame, ctx).to_dicts()
