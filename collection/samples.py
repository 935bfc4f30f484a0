"""Synthetic but consistent long-layout data, for the demo, the tests and the benchmark.

One model of a country drives every table, so the files pass the whole rule catalogue: totals add up along
every dimension, labour force = employed + unemployed, the employment tables share their totals, the
foreign-born and non-citizen tables match the population tables, and the years move smoothly.
Values are whole tenths (the unit is thousands of persons), so sums are exact.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from .catalogue import TableSpec, table_specs

SOURCE_BY_INDICATOR_PREFIX = {"MST": "BA", "MFL": "FA", "MNA": "FA"}
AGES = ("AGE_YTHADULT_Y15-24", "AGE_YTHADULT_YGE25")
SEXES = ("SEX_M", "SEX_F")
CBR = ("CBR_BIR_NATIVE", "CBR_BIR_FOREIGN", "CBR_BIR_X")
CCT = ("CCT_CIT_CITIZEN", "CCT_CIT_NONCIT", "CCT_CIT_X")
Cell = tuple[str, str, str]  # (sex, classif1, classif2) of the finest cells, totals left out


def split(total: int, weights: list[float]) -> list[int]:
    """Whole tenths shared in proportion to the weights, exactly (largest remainder)."""
    scale = sum(weights) or 1.0
    shares = [total * w / scale for w in weights]
    out = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: out[i] - shares[i])[: total - sum(out)]:
        out[i] += 1
    return out


class CountryModel:
    """The finest cells of every table for one country and year, in tenths of thousands of persons."""

    def __init__(self, specs: dict[str, TableSpec], country: str, year: int, partners: int, seed: int) -> None:
        self.specs, self.country, self.partners = specs, country, partners
        self.base = random.Random(f"{seed}:{country}")  # the country's shape, the same every year
        self.noise = random.Random(f"{seed}:{country}:{year}")  # a few per cent from year to year
        self.growth = 1.02 ** (year - 2000)

    def _amount(self, low: float, high: float) -> int:
        return round(self.base.uniform(low, high) * self.growth * self.noise.uniform(0.97, 1.03) * 10)

    def _weights(self, n: int) -> list[float]:
        return [self.base.uniform(0.2, 1.0) * self.noise.uniform(0.97, 1.03) for _ in range(n)]

    def partner_codes(self, indicator: str, column: str = "classif1") -> list[str]:
        dim = self.specs[indicator].dimensions[column]
        own = dim.codes[0].rsplit("_", 1)[0] + "_" + self.country
        countries = [c for c in dim.required_parts if c != own and not c.endswith("_X")]
        picked = random.Random(f"{indicator}:{self.country}").sample(countries, min(self.partners, len(countries)))
        return sorted(picked) + [c for c in dim.required_parts if c.endswith("_X")]

    def parts_of(self, indicator: str, column: str) -> list[str]:
        dim = self.specs[indicator].dimensions[column]
        return self.partner_codes(indicator, column) if dim.kind == "partner" else dim.required_parts

    def tables(self) -> dict[str, dict[Cell, int]]:
        """Every table's finest cells; the totals are added when the rows are written."""
        people = [(s, a, b) for s in SEXES for a in AGES for b in CBR]
        employed = {c: self._amount(20, 400) for c in people}
        unemployed = {c: self._amount(1, 20) for c in people}
        labour_force = {c: employed[c] + unemployed[c] for c in people}
        population = {c: labour_force[c] + self._amount(10, 200) for c in people}
        out: dict[str, dict[Cell, int]] = {
            "MST_TEMP_SEX_AGE_CBR_NB": employed,
            "MST_TUNE_SEX_AGE_CBR_NB": unemployed,
            "MST_TEAP_SEX_AGE_CBR_NB": labour_force,
            "MST_TPOP_SEX_AGE_CBR_NB": population,
        }
        by_citizenship: dict[Cell, int] = {}
        for s in SEXES:
            for a in AGES:
                shares = split(sum(population[(s, a, b)] for b in CBR), self._weights(3))
                by_citizenship |= {(s, a, c): v for c, v in zip(CCT, shares, strict=True)}
        out["MST_TPOP_SEX_AGE_CCT_NB"] = by_citizenship
        for indicator, total_of in (
            ("MST_FORP_SEX_CBR_NB", lambda s: sum(population[(s, a, "CBR_BIR_FOREIGN")] for a in AGES)),
            ("MST_NCTP_SEX_CCT_NB", lambda s: sum(by_citizenship[(s, a, "CCT_CIT_NONCIT")] for a in AGES)),
        ):
            out[indicator] = self._spread(indicator, {s: total_of(s) for s in SEXES})
        for group in ("ECO", "OCU", "STE", "EDU"):
            out[f"MST_TEMP_SEX_{group}_CBR_NB"] = self._by_group(f"MST_TEMP_SEX_{group}_CBR_NB", employed)
        arrivals = {s: self._amount(5, 60) for s in SEXES}
        out["MFL_NCIT_SEX_CCT_NB"] = self._spread("MFL_NCIT_SEX_CCT_NB", arrivals)
        out["MFL_NEMP_SEX_OCU_NB"] = self._spread("MFL_NEMP_SEX_OCU_NB", {s: arrivals[s] * 6 // 10 for s in SEXES})
        for indicator in ("MNA_TPOP_SEX_CRS_NB", "MNA_OEMP_SEX_CDS_NB", "MNA_XRET_SEX_CPR_NB"):
            out[indicator] = self._spread(indicator, {s: self._amount(10, 300) for s in SEXES})
        return out

    def _spread(self, indicator: str, totals: dict[str, int]) -> dict[Cell, int]:
        """A one-breakdown table: each sex's total shared over the codes of classif1."""
        codes = self.parts_of(indicator, "classif1")
        weights = self._weights(len(codes))
        return {
            (s, code, ""): v
            for s, total in totals.items()
            for code, v in zip(codes, split(total, weights), strict=True)
        }

    def _by_group(self, indicator: str, employed: dict[Cell, int]) -> dict[Cell, int]:
        """Employment by a second breakdown: each sex × birthplace total shared over the breakdown's codes."""
        codes = self.parts_of(indicator, "classif1")
        weights = self._weights(len(codes))
        out = {}
        for s in SEXES:
            for b in CBR:
                total = sum(employed[(s, a, b)] for a in AGES)
                out |= {(s, code, b): v for code, v in zip(codes, split(total, weights), strict=True)}
        return out


def _totals(spec: TableSpec, cells: dict[Cell, int]) -> dict[Cell, int]:
    """The finest cells plus every total (along sex, classif1, classif2 and their combinations)."""
    columns = ("sex", "classif1", "classif2")
    totals = [spec.dimensions[c].total if c in spec.dimensions else None for c in columns]
    out: dict[Cell, int] = {}
    for cell, value in cells.items():
        for mask in range(8):
            if any(mask >> i & 1 and totals[i] is None for i in range(3)):
                continue
            key = tuple(totals[i] if mask >> i & 1 else cell[i] for i in range(3))  # a total where the mask says
            out[key] = out.get(key, 0) + value
    return out


def sample_rows(
    specs: Iterable[TableSpec], *, country: str, years: Iterable[int], partners: int = 20, seed: int = 1
) -> list[dict[str, str]]:
    """Rows for the given tables and years, consistent within and across tables and from year to year."""
    wanted = list(specs)
    catalogue = table_specs()
    rows: list[dict[str, str]] = []
    for year in years:
        tables = CountryModel(catalogue, country, year, partners, seed).tables()
        for spec in wanted:
            source = SOURCE_BY_INDICATOR_PREFIX.get(spec.indicator[:3], "BA")
            for (sex, c1, c2), tenths in sorted(_totals(spec, tables[spec.indicator]).items()):
                rows.append(
                    {
                        "ref_area": country,
                        "indicator": spec.indicator,
                        "source": source,
                        "sex": sex,
                        "classif1": c1,
                        "classif2": c2,
                        "time": str(year),
                        "obs_value": f"{tenths / 10:.1f}",
                        "obs_status": "",
                        "note": "",
                    }
                )
    return rows
