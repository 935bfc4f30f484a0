"""Synthetic but consistent long-layout data, for the demo, the tests and the benchmark.

One model of a country drives every table, so the files pass the whole rule catalogue: totals add up along
every dimension, labour force = employed + unemployed, the employment tables share their totals, the
foreign-born and non-citizen tables match the population tables, and the years move smoothly.
Each country has a plausible size and shape (`PROFILES`, from demo_data.json): its population 15+, its share born
abroad, a small share whose place of birth is unknown, the countries its migrants come from and those its nationals
go to.
Values are whole tenths (the unit is thousands of persons), so sums are exact.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from collection.catalogue.specs import TableSpec, table_specs

SOURCE_BY_INDICATOR_PREFIX = {"MST": "BA", "MFL": "FA", "MNA": "FA"}
AGES = ("AGE_YTHADULT_Y15-24", "AGE_YTHADULT_YGE25")
SEXES = ("SEX_M", "SEX_F")
CBR = ("CBR_BIR_NATIVE", "CBR_BIR_FOREIGN", "CBR_BIR_X")
CCT = ("CCT_CIT_CITIZEN", "CCT_CIT_NONCIT", "CCT_CIT_X")
Cell = tuple[str, str, str]  # (sex, classif1, classif2) of the finest cells, totals left out


@dataclass(frozen=True)
class Profile:
    """The orders of magnitude of one country (thousands of persons, around 2020) and its migration partners,
    the largest first."""

    population: float  # population aged 15+
    foreign_born: float  # share of it born abroad
    abroad: float  # nationals living abroad
    outflow: float  # nationals leaving to work abroad in a year
    origins: tuple[str, ...]  # where its foreign-born and foreign citizens come from
    destinations: tuple[str, ...]  # where its nationals live and go to work


DEMO_DATA = Path(__file__).with_name("demo_data.json")


def demo_data() -> dict[str, Any]:
    """The demo's data file: names, country profiles, partners, the second region, the embargoed revision."""
    return dict(json.loads(DEMO_DATA.read_text(encoding="utf-8")))


PROFILES: dict[str, Profile] = {
    iso3: Profile(
        p["population"], p["foreign_born"], p["abroad"], p["outflow"], tuple(p["origins"]), tuple(p["destinations"])
    )
    for iso3, p in demo_data()["profiles"].items()
}
# The usual partners of the demo's countries, which top up a country's own list when more partners are asked for.
COMMON_PARTNERS = set(demo_data()["common_partners"])
DEFAULT_PROFILE = Profile(10_000, 0.02, 500, 20, (), ())  # a country added to the catalogue later
# Which partner list a table's first breakdown follows: where people come from, or where they go.
GOES_ABROAD = ("MNA_",)
PARTICIPATION = {("SEX_M", AGES[0]): 0.50, ("SEX_M", AGES[1]): 0.78, ("SEX_F", AGES[0]): 0.40, ("SEX_F", AGES[1]): 0.55}


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
        self.profile = PROFILES.get(country, DEFAULT_PROFILE)
        self.base = random.Random(f"{seed}:{country}")  # the country's shape, the same every year
        self.noise = random.Random(f"{seed}:{country}:{year}")  # a few per cent from year to year
        self.growth = 1.01 ** (year - 2020)

    def _tenths(self, thousands: float) -> int:
        """A size of the profile in tenths for this year: grown, with a little noise."""
        return round(thousands * self.growth * self.noise.uniform(0.98, 1.02) * 10)

    def _weights(self, n: int) -> list[float]:
        return [self.base.uniform(0.2, 1.0) * self.noise.uniform(0.97, 1.03) for _ in range(n)]

    def _share(self, low: float, high: float) -> float:
        return self.base.uniform(low, high) * self.noise.uniform(0.98, 1.02)

    def partner_codes(self, indicator: str, column: str = "classif1") -> list[str]:
        """The country's real partners for the table (origins, or destinations of nationals abroad), the
        largest first, topped up at random to `partners` countries; then X (other and unknown countries)."""
        dim = self.specs[indicator].dimensions[column]
        prefix = dim.codes[0].rsplit("_", 1)[0] + "_"
        countries = [c for c in dim.required_parts if c != prefix + self.country and not c.endswith("_X")]
        known = self.profile.destinations if indicator.startswith(GOES_ABROAD) else self.profile.origins
        main = [prefix + iso3 for iso3 in known if prefix + iso3 in countries][: self.partners]
        rng = random.Random(f"{indicator}:{self.country}")
        common = [c for c in countries if c not in main and c[-3:] in COMMON_PARTNERS]
        rest = [c for c in countries if c not in main and c[-3:] not in COMMON_PARTNERS]
        rng.shuffle(common)
        rng.shuffle(rest)
        picked = (common + rest)[: max(0, self.partners - len(main))]  # Bouvet Island only when all are asked for
        return main + sorted(picked) + [c for c in dim.required_parts if c.endswith("_X")]

    def _partner_weights(self, indicator: str, codes: list[str]) -> list[float]:
        """Most migrants go to (or come from) the first few partners; the others and X share a little."""
        known = self.profile.destinations if indicator.startswith(GOES_ABROAD) else self.profile.origins
        weights = []
        for rank, code in enumerate(codes):
            if code.rsplit("_", 1)[1] in known:
                weight = 1 / (rank + 1)
            else:
                weight = 0.03 if code.endswith("_X") else 0.004 * self.base.uniform(0.5, 1.5)
            weights.append(weight * self.noise.uniform(0.97, 1.03))
        return weights

    def parts_of(self, indicator: str, column: str) -> list[str]:
        dim = self.specs[indicator].dimensions[column]
        return self.partner_codes(indicator, column) if dim.kind == "partner" else dim.required_parts

    def tables(self) -> dict[str, dict[Cell, int]]:
        """Every table's finest cells; the totals are added when the rows are written."""
        p = self.profile
        unknown = self._share(0.002, 0.008)  # place of birth not stated
        youth = self._share(0.14, 0.24)
        people = [(s, a, b) for s in SEXES for a in AGES for b in CBR]
        birthplace = {CBR[0]: 1 - p.foreign_born - unknown, CBR[1]: p.foreign_born, CBR[2]: unknown}
        weights = [(youth if a == AGES[0] else 1 - youth) * birthplace[b] for _s, a, b in people]
        population = dict(zip(people, split(self._tenths(p.population), weights), strict=True))
        labour_force, unemployed, employed = {}, {}, {}
        for cell in people:
            s, a, b = cell
            rate = min(
                0.95, PARTICIPATION[(s, a)] * (1.15 if b == "CBR_BIR_FOREIGN" else 1.0) * self._share(0.95, 1.05)
            )
            labour_force[cell] = round(population[cell] * rate)
            jobless = self._share(0.08, 0.14) if a == AGES[0] else self._share(0.015, 0.04)
            unemployed[cell] = round(labour_force[cell] * jobless)
            employed[cell] = labour_force[cell] - unemployed[cell]
        out: dict[str, dict[Cell, int]] = {
            "MST_TEMP_SEX_AGE_CBR_NB": employed,
            "MST_TUNE_SEX_AGE_CBR_NB": unemployed,
            "MST_TEAP_SEX_AGE_CBR_NB": labour_force,
            "MST_TPOP_SEX_AGE_CBR_NB": population,
        }
        foreign = p.foreign_born * (1 - self._share(0.1, 0.4))  # less the foreign-born who became citizens
        by_citizenship: dict[Cell, int] = {}
        for s in SEXES:
            for a in AGES:
                shares = split(sum(population[(s, a, b)] for b in CBR), [1 - foreign - unknown, foreign, unknown])
                by_citizenship |= {(s, a, c): v for c, v in zip(CCT, shares, strict=True)}
        out["MST_TPOP_SEX_AGE_CCT_NB"] = by_citizenship
        noncitizens = {s: sum(by_citizenship[(s, a, "CCT_CIT_NONCIT")] for a in AGES) for s in SEXES}
        for indicator, totals in (
            ("MST_FORP_SEX_CBR_NB", {s: sum(population[(s, a, "CBR_BIR_FOREIGN")] for a in AGES) for s in SEXES}),
            ("MST_NCTP_SEX_CCT_NB", noncitizens),
        ):
            out[indicator] = self._spread(indicator, totals)
        for group in ("ECO", "OCU", "STE", "EDU"):
            out[f"MST_TEMP_SEX_{group}_CBR_NB"] = self._by_group(f"MST_TEMP_SEX_{group}_CBR_NB", employed)
        arrivals = {s: round(noncitizens[s] * self._share(0.08, 0.15)) for s in SEXES}
        out["MFL_NCIT_SEX_CCT_NB"] = self._spread("MFL_NCIT_SEX_CCT_NB", arrivals)
        out["MFL_NEMP_SEX_OCU_NB"] = self._spread("MFL_NEMP_SEX_OCU_NB", {s: arrivals[s] * 6 // 10 for s in SEXES})
        women = self._share(0.4, 0.6)  # of nationals abroad
        for indicator, size in (
            ("MNA_TPOP_SEX_CRS_NB", p.abroad),
            ("MNA_OEMP_SEX_CDS_NB", p.outflow),
            ("MNA_XRET_SEX_CPR_NB", p.outflow * self._share(0.4, 0.6)),
        ):
            total = self._tenths(size)
            out[indicator] = self._spread(indicator, dict(zip(SEXES, split(total, [1 - women, women]), strict=True)))
        return out

    def _spread(self, indicator: str, totals: dict[str, int]) -> dict[Cell, int]:
        """A one-breakdown table: each sex's total shared over the codes of classif1."""
        codes = self.parts_of(indicator, "classif1")
        dim = self.specs[indicator].dimensions["classif1"]
        weights = self._partner_weights(indicator, codes) if dim.kind == "partner" else self._weights(len(codes))
        return {
            (s, code, ""): v
            for s, total in totals.items()
            for code, v in zip(codes, split(total, weights), strict=True)
        }

    def _by_group(self, indicator: str, employed: dict[Cell, int]) -> dict[Cell, int]:
        """Employment by a second breakdown: each sex × birthplace total shared over the breakdown's codes."""
        codes = self.parts_of(indicator, "classif1")
        weights = self._weights(len(codes))
        out: dict[Cell, int] = {}
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
            # A total where the mask says (never None: those masks were skipped just above).
            key = cast(Cell, tuple(totals[i] if mask >> i & 1 else cell[i] for i in range(3)))
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
