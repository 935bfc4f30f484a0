"""What the SDMX tests share: published data made the way people make it, and readers that are not ours."""

from __future__ import annotations

import io
from decimal import Decimal

import sdmx
from pysdmx.io import get_datasets, read_sdmx

from collection.models import Release
from tests.publication.test_vintages import publish_with

FORP = "MST_FORP_SEX_CBR_NB"  # sex x country of birth (a partner list)
TPOP = "MST_TPOP_SEX_AGE_CBR_NB"  # sex x age x place of birth
FLOW = "ILO,DF_{},1.0"
CSV = "application/vnd.sdmx.data+csv;version=2.0.0"
XML = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"


def published(focal_point, reviewer, round_, content: bytes, release: Release | None = None):
    return publish_with(focal_point, reviewer, round_, content, release=release)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def data_url(indicator: str, key: str = "all") -> str:
    return f"/sdmx/data/{FLOW.format(indicator)}/{key}"


def api_values(client, indicator: str, **params) -> dict[tuple, tuple]:
    """The public values of the observations API, keyed as SDMX keys them: (ref_area, sex, classif1, classif2,
    time) -> (value, flag, note, source)."""
    found: dict[tuple, tuple] = {}
    url, query = "/api/v1/observations/", {"indicator": indicator, "page_size": 1000, **params}
    while url:
        page = client.get(url, query).json()
        for r in page["results"]:
            key = (r["ref_area"], r["sex"], r["classif1"], r["classif2"], r["time"])
            found[key] = (Decimal(str(r["obs_value"])), r["obs_status"], r["note"], r["source"])
        url, query = page["next"], {}
    return found


def structure_of(client, indicator: str):
    """sdmx1's reading of the portal's own structure message: the data structure of the table."""
    response = client.get(f"/sdmx/datastructure/ILO/{indicator}/latest", {"references": "children"})
    assert response.status_code == 200, response.content
    message = sdmx.read_sdmx(io.BytesIO(response.content))
    return message.structure[indicator]


def sdmx1_values(xml: bytes, dsd, breakdowns: list[str]) -> dict[tuple, tuple]:
    """An SDMX-ML structure-specific message read by sdmx1 with the portal's structure."""
    message = sdmx.read_sdmx(io.BytesIO(xml), structure=dsd)
    found = {}
    for obs in message.data[0].obs:
        key = obs.key.values
        dims = [str(key[d].value) for d in breakdowns]
        dims += [""] * (3 - len(dims))
        attrs = {k: str(v.value) for k, v in obs.attached_attribute.items()}
        found[(str(key["REF_AREA"].value), *dims, str(key["TIME_PERIOD"].value))] = (
            Decimal(str(obs.value)),
            attrs.get("OBS_STATUS", ""),
            attrs.get("NOTE", ""),
            attrs.get("SOURCE", ""),
        )
    return found


def pysdmx_values(message: bytes, breakdowns: list[str], structure: bytes | None = None) -> dict[tuple, tuple]:
    """A data message (SDMX-CSV or SDMX-ML) read by pysdmx; every cell as text, so values keep their digits."""
    text = message.decode("utf-8")
    if structure is not None:
        [dataset] = get_datasets(text, structure.decode("utf-8"))
    else:
        [dataset] = read_sdmx(text).data
    frame = dataset.data.fillna("").astype(str)
    found = {}
    for row in frame.to_dict(orient="records"):
        dims = [row[d] for d in breakdowns] + [""] * (3 - len(breakdowns))
        found[(row["REF_AREA"], *dims, row["TIME_PERIOD"])] = (
            Decimal(row["OBS_VALUE"]),
            row.get("OBS_STATUS", ""),
            row.get("NOTE", ""),
            row.get("SOURCE", ""),
        )
    return found


def sdmx1_csv_values(text: bytes, dsd, breakdowns: list[str]) -> dict[tuple, tuple]:
    """An SDMX-CSV 2.0 message read by sdmx1 with the portal's structure."""
    message = sdmx.read_sdmx(io.BytesIO(text), format="CSV", structure=dsd)
    found = {}
    for dataset in message.data:
        for obs in dataset.obs:
            key = obs.dimension.values
            dims = [str(key[d].value) for d in breakdowns] + [""] * (3 - len(breakdowns))
            attrs = {k: str(v.value) for k, v in obs.attached_attribute.items()}
            found[(str(key["REF_AREA"].value), *dims, str(key["TIME_PERIOD"].value))] = (
                Decimal(str(obs.value)),
                attrs.get("OBS_STATUS", ""),
                attrs.get("NOTE", ""),
                attrs.get("SOURCE", ""),
            )
    return found
