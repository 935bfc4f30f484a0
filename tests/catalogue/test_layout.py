"""The standard workbook's layout of one table: which rows and columns it gets."""

from __future__ import annotations

from collection.catalogue.layout import table_layout
from collection.catalogue.specs import DimensionSpec, TableSpec

SEX = DimensionSpec("sex", "SEX", "closed", ["SEX_T", "SEX_M", "SEX_F"], "SEX_T")
CODES = ["CBR_BRT_TOTAL", "CBR_BRT_KHM", "CBR_BRT_THA", "CBR_BRT_X"]


def partner_table(total: str | None) -> TableSpec:
    birth = DimensionSpec("classif1", "CBR_BRT", "partner", CODES, total)
    return TableSpec("MST_FORP_SEX_CBR_NB", "Foreign-born", "stock", {"sex": SEX, "classif1": birth})


def test_a_partner_table_leaves_out_the_reporting_country():
    layout = table_layout(partner_table("CBR_BRT_TOTAL"), [2025], "THA", {})
    assert [code for code, _ in layout.rows] == ["CBR_BRT_TOTAL", "CBR_BRT_KHM", "CBR_BRT_X"]


def test_a_partner_list_whose_total_was_deleted_still_lays_out_every_code():
    # An admin may delete a list's TOTAL; the layout then has no country prefix to find the own country by.
    layout = table_layout(partner_table(None), [2025], "THA", {})
    assert [code for code, _ in layout.rows] == CODES
