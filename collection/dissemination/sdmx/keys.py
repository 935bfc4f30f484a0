"""The key of an SDMX data query (REF_AREA.FREQ.MEASURE.SEX.<breakdowns>): parsed, checked against the codes
of the table's structure, and built back from a selection (for the explorer's and the bench's links)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from collection.dissemination.sdmx.errors import NOT_FOUND, SEMANTIC, SYNTAX, SdmxError
from collection.dissemination.sdmx.layout import AGENCY, FREQ_ANNUAL, VERSION, FlowLayout, flow_id, flow_layouts
from collection.models import Code, Country

ALL_KEY = "all"


def key_parse(layout: FlowLayout, key: str) -> dict[str, list[str]]:
    """The codes asked for per dimension ({} for every dimension left open); a key with the wrong number of
    positions or a code the structure does not have is an SdmxError."""
    if key in ("", ALL_KEY):
        return {}
    positions = key.split(".")
    dims = layout.key_dimensions
    if len(positions) != len(dims):
        raise SdmxError(
            SYNTAX,
            f"The key {key!r} has {len(positions)} positions; {layout.flow} has {len(dims)}: {'.'.join(dims)}.",
        )
    chosen = {d: p.split("+") for d, p in zip(dims, positions, strict=True) if p}
    for dim, codes in chosen.items():
        if "" in codes:
            raise SdmxError(SYNTAX, f"The key position {dim} has an empty code: {'+'.join(codes)!r}.")
    unknown = [(d, c) for d, codes in chosen.items() for c in codes if c not in _codes_of(layout, d, codes)]
    if unknown:
        listed = ", ".join(f"{c} ({d})" for d, c in unknown)
        raise SdmxError(SEMANTIC, f"{layout.flow} has no such code: {listed}.")
    return chosen


def _codes_of(layout: FlowLayout, dim: str, asked: list[str]) -> set[str]:
    """Of the codes asked for one dimension, those its code list has (one query)."""
    if dim == "REF_AREA":
        return set(Country.objects.filter(iso3__in=asked).values_list("iso3", flat=True))
    if dim == "FREQ":
        return {FREQ_ANNUAL}
    if dim == "MEASURE":
        return {layout.measure}
    [codelist] = [b.codelist for b in layout.breakdowns if b.id == dim]
    return set(Code.objects.filter(codelist_id=codelist, code__in=asked).values_list("code", flat=True))


def key_build(layout: FlowLayout, selection: Mapping[str, Sequence[str]]) -> str:
    """The key for a selection given by SDMX dimension (REF_AREA, SEX, AGE, ...) or long-layout column
    (ref_area, sex, classif1, classif2); a dimension not given is left open."""
    columns = {"REF_AREA": "ref_area", **{b.id: b.column for b in layout.breakdowns}}
    positions = []
    for dim in layout.key_dimensions:
        codes = selection.get(dim) or selection.get(columns.get(dim, dim)) or ()
        positions.append("+".join(codes))
    return ".".join(positions)


def data_path(indicator: str, selection: Mapping[str, Sequence[str]] | None = None) -> str:
    """The SDMX data URL path for a table and a selection: /sdmx/data/ILO,DF_<indicator>,1.0/<key> (`all` when
    nothing is chosen); an unknown table is an SdmxError."""
    layout = flow_layouts(indicator).get(indicator)
    if layout is None:
        raise SdmxError(NOT_FOUND, f"There is no table {indicator}.")
    key = key_build(layout, selection or {})
    key = key if key.strip(".") else ""
    return f"/sdmx/data/{AGENCY},{flow_id(indicator)},{VERSION}/{quote(key, safe='.+') or ALL_KEY}"
