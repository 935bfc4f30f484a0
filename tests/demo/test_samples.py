"""The demo and test data look like each country's: population 15+ of the right order, a small share whose
place of birth is unknown, migrants from and to the countries they really come from and go to, and totals
that are the sums of their parts to the tenth."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows

POP = "MST_TPOP_SEX_AGE_CBR_NB"


def table(country: str, indicator: str, year: int = 2024) -> dict[tuple[str, str, str], Decimal]:
    rows = sample_rows([table_specs()[indicator]], country=country, years=[year])
    return {(r["sex"], r["classif1"], r["classif2"]): Decimal(r["obs_value"]) for r in rows}


@pytest.mark.parametrize(
    ("country", "low", "high"),
    [("BRN", 300, 450), ("SGP", 4_000, 6_000), ("IDN", 180_000, 240_000), ("PHL", 65_000, 90_000)],
)
def test_the_population_15_plus_has_the_countrys_order_of_magnitude(catalogue, country, low, high):
    cells = table(country, POP)
    total = cells[("SEX_T", "AGE_YTHADULT_YGE15", "CBR_BIR_TOTAL")]
    assert low <= total <= high
    unknown = cells[("SEX_T", "AGE_YTHADULT_YGE15", "CBR_BIR_X")]
    assert 0 < unknown / total < Decimal("0.01")


@pytest.mark.parametrize(
    ("country", "indicator", "expected"),
    [
        ("IDN", "MNA_OEMP_SEX_CDS_NB", {"MYS", "SAU", "TWN", "HKG"}),
        ("PHL", "MNA_OEMP_SEX_CDS_NB", {"SAU", "ARE", "KWT", "QAT"}),
        ("THA", "MST_FORP_SEX_CBR_NB", {"MMR", "KHM", "LAO", "CHN"}),
        ("MYS", "MST_FORP_SEX_CBR_NB", {"IDN", "BGD", "NPL", "MMR"}),
    ],
)
def test_the_largest_partners_are_the_countrys_real_ones(catalogue, country, indicator, expected):
    cells = table(country, indicator)
    by_partner = {c1[-3:]: v for (sex, c1, _), v in cells.items() if sex == "SEX_T" and not c1.endswith("TOTAL")}
    assert set(sorted(by_partner, key=by_partner.get, reverse=True)[:4]) == expected
    assert country not in by_partner


@pytest.mark.parametrize("country", ["BRN", "IDN", "SGP"])
def test_every_total_is_the_sum_of_its_parts_to_the_tenth(catalogue, country):
    for indicator in (POP, "MST_FORP_SEX_CBR_NB", "MNA_TPOP_SEX_CRS_NB"):
        cells = table(country, indicator)
        sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for (sex, c1, c2), value in cells.items():
            if sex != "SEX_T" and not c1.endswith("TOTAL") and not c2.endswith("TOTAL"):
                sums[(c1, c2)] += value
        for (c1, c2), parts in sums.items():
            assert cells[("SEX_T", c1, c2)] == parts
        assert all(str(v) == f"{v:.1f}" for v in cells.values())
