"""The catalogue of DOMAIN.md, loaded as data, idempotently."""

from __future__ import annotations

import pycountry
import pytest
from django.core.management import call_command

from collection.catalogue.load import catalogue_load
from collection.catalogue.specs import table_specs
from collection.models import Code, CodeList, Country, ObservationStatus, SourceType, TableDefinition


def test_load_catalogue_twice_changes_nothing(catalogue, capsys):
    before = catalogue_load()
    call_command("load_catalogue")
    assert catalogue_load() == before
    assert "10 countries" in capsys.readouterr().out


def test_the_ten_asean_countries(catalogue):
    assert sorted(Country.objects.values_list("iso3", flat=True)) == [
        "BRN",
        "IDN",
        "KHM",
        "LAO",
        "MMR",
        "MYS",
        "PHL",
        "SGP",
        "THA",
        "VNM",
    ]


def test_source_types_and_flags(catalogue):
    assert set(SourceType.objects.values_list("code", flat=True)) == {"BA", "AA", "BX", "FA", "EA"}
    assert set(ObservationStatus.objects.values_list("code", flat=True)) == {"A", "B", "I", "M", "R", "U"}


@pytest.mark.parametrize("codelist", ["CBR_BRT", "CCT_CTZ", "CRS_RES", "CDS_DES", "CPR_PRV"])
def test_partner_lists_hold_every_iso_country_plus_total_and_x(catalogue, codelist):
    prefix = CodeList.objects.get(id=codelist).prefix
    codes = set(Code.objects.filter(codelist_id=codelist).values_list("code", flat=True))
    assert codes == {prefix + c.alpha_3 for c in pycountry.countries} | {prefix + "TOTAL", prefix + "X"}
    assert len(codes) == len(pycountry.countries) + 2
    assert Code.objects.get(code=prefix + "TOTAL").is_total


@pytest.mark.parametrize(
    "codelist, total, parts",
    [
        ("SEX", "SEX_T", 3),
        ("AGE_YTHADULT", "AGE_YTHADULT_YGE15", 2),
        ("ECO_ISIC4", "ECO_ISIC4_TOTAL", 22),
        ("OCU_ISCO08", "OCU_ISCO08_TOTAL", 11),
        ("STE_ICSE93", "STE_ICSE93_TOTAL", 6),
        ("EDU_AGGREGATE", "EDU_AGGREGATE_TOTAL", 5),
        ("CBR_BIR", "CBR_BIR_TOTAL", 3),
        ("CCT_CIT", "CCT_CIT_TOTAL", 3),
    ],
)
def test_closed_lists_have_their_total_and_parts(catalogue, codelist, total, parts):
    codes = Code.objects.filter(codelist_id=codelist)
    assert list(codes.filter(is_total=True).values_list("code", flat=True)) == [total]
    assert codes.filter(is_total=False).count() == parts


def test_sex_other_is_an_optional_part(catalogue):
    sex = table_specs(["MST_FORP_SEX_CBR_NB"])["MST_FORP_SEX_CBR_NB"].dimensions["sex"]
    assert sex.required_parts == ["SEX_M", "SEX_F"]
    assert sex.parts == ["SEX_M", "SEX_F", "SEX_O"]


@pytest.mark.parametrize(
    "indicator, classif1, classif2",
    [
        ("MST_TPOP_SEX_AGE_CBR_NB", "AGE_YTHADULT", "CBR_BIR"),
        ("MST_TPOP_SEX_AGE_CCT_NB", "AGE_YTHADULT", "CCT_CIT"),
        ("MST_FORP_SEX_CBR_NB", "CBR_BRT", None),
        ("MST_NCTP_SEX_CCT_NB", "CCT_CTZ", None),
        ("MST_TEMP_SEX_ECO_CBR_NB", "ECO_ISIC4", "CBR_BIR"),
        ("MST_TEMP_SEX_EDU_CBR_NB", "EDU_AGGREGATE", "CBR_BIR"),
        ("MFL_NEMP_SEX_OCU_NB", "OCU_ISCO08", None),
        ("MNA_XRET_SEX_CPR_NB", "CPR_PRV", None),
    ],
)
def test_standard_tables_and_their_dimensions(catalogue, indicator, classif1, classif2):
    table = TableDefinition.objects.get(indicator=indicator)
    dims = dict(table.dimensions.values_list("column", "codelist_id"))
    assert dims == {"sex": "SEX", "classif1": classif1, **({"classif2": classif2} if classif2 else {})}
    assert table.unit == "NB"
    assert TableDefinition.objects.count() == 16


def test_an_admins_edit_to_a_label_is_restored_only_for_catalogue_codes(catalogue):
    Code.objects.filter(code="SEX_F").update(label="Women")
    Code.objects.create(codelist_id="SEX", code="SEX_Z", label="Added by an admin")
    catalogue_load()
    assert Code.objects.get(code="SEX_F").label == "Female"
    assert Code.objects.filter(code="SEX_Z").exists()
