"""Synthetic but consistent long-layout data: totals that add up, for the demo, the tests and the benchmark."""

from __future__ import annotations

import random
from collections.abc import Iterable

from .catalogue import TableSpec

SOURCE_BY_INDICATOR_PREFIX = {"MST": "BA", "MFL": "FA", "MNA": "FA"}


def _levels(spec: TableSpec, column: str, country: str, partners: int, rng: random.Random) -> list[tuple[str, bool]]:
    """The codes to generate for a dimension: (code, is_total). Partner lists get a sample of countries plus X."""
    dim = spec.dimensions.get(column)
    if dim is None:
        return [("", False)]
    parts = dim.required_parts
    if dim.kind == "partner":
        own = dim.codes[0].rsplit("_", 1)[0] + "_" + country
        countries = [c for c in parts if c != own and not c.endswith("_X")]
        parts = sorted(rng.sample(countries, min(partners, len(countries)))) + [c for c in parts if c.endswith("_X")]
    return [(dim.total, True)] + [(p, False) for p in parts] if dim.total else [(p, False) for p in parts]


def sample_rows(
    specs: Iterable[TableSpec], *, country: str, years: Iterable[int], partners: int = 20, seed: int = 1
) -> list[dict[str, str]]:
    """Rows for every table and year whose totals are the exact sums of their parts along every dimension."""
    rows: list[dict[str, str]] = []
    for spec in specs:
        # One generator per table and year, so a year's values do not depend on what else is asked for.
        rng = random.Random(f"{seed}:{spec.indicator}")
        sexes = _levels(spec, "sex", country, partners, rng)
        c1 = _levels(spec, "classif1", country, partners, rng)
        c2 = _levels(spec, "classif2", country, partners, rng)
        source = SOURCE_BY_INDICATOR_PREFIX.get(spec.indicator[:3], "BA")
        for year in years:
            rng = random.Random(f"{seed}:{spec.indicator}:{year}")
            # Values on the finest cells (no totals), then every total as the sum of what it covers.
            base = {
                (s, a, b): round(rng.uniform(0.5, 40.0), 1)
                for s, st in sexes
                if not st
                for a, at in c1
                if not at
                for b, bt in c2
                if not bt
            }
            for s, st in sexes:
                for a, at in c1:
                    for b, bt in c2:
                        value = sum(
                            v
                            for (ks, ka, kb), v in base.items()
                            if (st or ks == s) and (at or ka == a) and (bt or kb == b)
                        )
                        rows.append(
                            {
                                "ref_area": country,
                                "indicator": spec.indicator,
                                "source": source,
                                "sex": s,
                                "classif1": a,
                                "classif2": b,
                                "time": str(year),
                                "obs_value": f"{value:.1f}",
                                "obs_status": "",
                                "note": "",
                            }
                        )
    return rows
