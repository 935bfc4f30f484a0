"""SDMX structure messages: ILOSTAT's layout, read back by sdmx1 and pysdmx; errors as SDMX error messages."""

from __future__ import annotations

import io

import pytest
import sdmx
from lxml import etree
from pysdmx.io import read_sdmx

from collection.models import TableDefinition

ECO = "MST_TEMP_SEX_ECO_CBR_NB"
MES = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message}"
ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]


def read(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.sdmx.structure+xml; version=2.1")
    return sdmx.read_sdmx(io.BytesIO(response.content))


def sdmx_error(response) -> tuple[str, str]:
    """The code and text of an SDMX-ML 2.1 Error message."""
    root = etree.fromstring(response.content)
    assert root.tag == f"{MES}Error"
    [message] = root.findall(f"{MES}ErrorMessage")
    return message.get("code"), "".join(message.itertext()).strip()


def annotations(code) -> dict[str, str]:
    return {str(a.type): str(a.title) for a in code.annotations}


def test_every_table_is_a_dataflow_named_as_ilostat_names_it(client, catalogue):
    message = read(client.get("/sdmx/dataflow/ILO/all/latest"))
    indicators = set(TableDefinition.objects.values_list("indicator", flat=True))
    assert len(indicators) == 16
    assert set(message.dataflow) == {f"DF_{i}" for i in indicators}
    flow = message.dataflow[f"DF_{ECO}"]
    assert (flow.maintainer.id, flow.version) == ("ILO", "1.0")
    assert flow.structure.id == ECO  # the structure id is the indicator itself
    assert str(flow.name) == "Employment by sex, economic activity and place of birth"
    # pysdmx reads the same message
    flows = read_sdmx(client.get("/sdmx/dataflow/ILO/all/latest").content.decode()).get_dataflows()
    assert {f.id for f in flows} == set(message.dataflow)
    one = read(client.get(f"/sdmx/dataflow/ILO/DF_{ECO}/latest"))
    assert list(one.dataflow) == [f"DF_{ECO}"]


def test_a_structure_has_ilostat_dimensions_attributes_and_its_code_lists(client, catalogue):
    message = read(client.get(f"/sdmx/datastructure/ILO/{ECO}/latest", {"references": "children"}))
    dsd = message.structure[ECO]
    assert [d.id for d in dsd.dimensions] == ["REF_AREA", "FREQ", "MEASURE", "SEX", "ECO", "CBR", "TIME_PERIOD"]
    assert [a.id for a in dsd.attributes] == [
        "OBS_STATUS",
        "UNIT_MEASURE",
        "UNIT_MULT",
        "SOURCE",
        "NOTE",
        "NOTE_CLASSIF",
        "NOTE_INDICATOR",
        "NOTE_SOURCE",
    ]
    assert dsd.measures[0].id == "OBS_VALUE"
    enumerated = {
        c.id: c.local_representation.enumerated.id
        for c in [*dsd.dimensions, *dsd.attributes]
        if c.local_representation and c.local_representation.enumerated
    }
    assert enumerated == {
        "REF_AREA": "CL_AREA",
        "FREQ": "CL_FREQ",
        "MEASURE": "CL_MEASURE",
        "SEX": "CL_SEX",
        "ECO": "CL_ECO_ISIC4",
        "CBR": "CL_CBR_BIR",
        "OBS_STATUS": "CL_OBS_STATUS",
        "UNIT_MEASURE": "CL_UNIT_MEASURE",
        "UNIT_MULT": "CL_UNIT_MULT",
    }
    # The children: every code list the structure uses, and its concepts.
    assert set(message.codelist) == set(enumerated.values())
    lists = message.codelist
    assert "MST_TEMP_NB" in lists["CL_MEASURE"]  # the indicator without its breakdowns
    assert str(lists["CL_UNIT_MULT"]["3"].name) == "Thousands"
    assert set(lists["CL_AREA"]) >= {"THA", "MYS", "VNM"} and len(lists["CL_AREA"]) == 10
    assert annotations(lists["CL_ECO_ISIC4"]["ECO_ISIC4_TOTAL"]) == {"IS_TOTAL": "true"}
    assert annotations(lists["CL_ECO_ISIC4"]["ECO_ISIC4_C"]) == {"PARENT": "ECO_ISIC4_TOTAL"}
    assert {"REF_AREA", "ECO", "TIME_PERIOD", "UNIT_MULT", "NOTE_SOURCE"} <= set(message.concept_scheme["CS_ILOSTAT"])
    # pysdmx reads the same structure
    text = client.get(f"/sdmx/datastructure/ILO/{ECO}/latest", {"references": "children"}).content.decode()
    [read_back] = read_sdmx(text).get_data_structure_definitions()
    assert [c.id for c in read_back.components.dimensions] == [d.id for d in dsd.dimensions]
    # without references, the structure alone
    alone = client.get(f"/sdmx/datastructure/ILO/{ECO}/latest")
    assert list(read(alone).structure) == [ECO] and b"<str:Codelists>" not in alone.content


def test_a_code_list_keeps_ilostat_codes_with_totals_and_parents(client, catalogue):
    message = read(client.get("/sdmx/codelist/ILO/CL_AGE_YTHADULT/latest"))
    ages = message.codelist["CL_AGE_YTHADULT"]
    assert [c.id for c in ages] == ["AGE_YTHADULT_YGE15", "AGE_YTHADULT_Y15-24", "AGE_YTHADULT_YGE25"]
    assert str(ages["AGE_YTHADULT_Y15-24"].name) == "15-24"
    assert annotations(ages["AGE_YTHADULT_YGE15"]) == {"IS_TOTAL": "true"}
    assert annotations(ages["AGE_YTHADULT_YGE25"]) == {"PARENT": "AGE_YTHADULT_YGE15"}
    sex = read(client.get("/sdmx/codelist/ILO/CL_SEX/1.0")).codelist["CL_SEX"]
    assert [c.id for c in sex] == ["SEX_T", "SEX_M", "SEX_F", "SEX_O"]
    # a partner list has every country: no parent is claimed for them
    births = read(client.get("/sdmx/codelist/ILO/CL_CBR_BRT/latest")).codelist["CL_CBR_BRT"]
    assert "CBR_BRT_MMR" in births and annotations(births["CBR_BRT_MMR"]) == {}
    assert read(client.get("/sdmx/codelist/ILO/all/latest")).codelist.keys() >= {"CL_AREA", "CL_OBS_STATUS", "CL_FREQ"}


@pytest.mark.parametrize(
    "path",
    [
        "/sdmx/dataflow/ILO/DF_UNE_DEAP_RT/latest",
        "/sdmx/dataflow/ESTAT/all/latest",
        "/sdmx/datastructure/ILO/UNE_DEAP_RT/latest",
        f"/sdmx/datastructure/ILO/{ECO}/2.0",
        "/sdmx/codelist/ILO/CL_NOPE/latest",
    ],
)
def test_an_unknown_artefact_is_a_404_sdmx_error(client, catalogue, path):
    response = client.get(path)
    assert response.status_code == 404
    code, text = sdmx_error(response)
    assert code == "100" and "There is no" in text


def test_a_bad_references_value_is_a_400_and_an_unserved_format_a_406(client, catalogue):
    response = client.get(f"/sdmx/datastructure/ILO/{ECO}/latest", {"references": "cousins"})
    assert response.status_code == 400 and sdmx_error(response)[0] == "140"
    response = client.get("/sdmx/dataflow/ILO/all/latest", HTTP_ACCEPT="application/vnd.sdmx.structure+json")
    assert response.status_code == 406 and sdmx_error(response)[0] == "406"
    served = client.get("/sdmx/dataflow/ILO/all/latest", HTTP_ACCEPT="application/vnd.sdmx.structure+xml;version=2.1")
    assert served.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_structures_are_public_and_the_same_for_everyone(as_role, role):
    client = as_role(role)
    message = read(client.get(f"/sdmx/datastructure/ILO/{ECO}/latest", {"references": "children"}))
    assert ECO in message.structure
    assert client.post("/sdmx/dataflow/ILO/all/latest").status_code == 405
