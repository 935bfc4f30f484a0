"""Which representation an SDMX query asks for: `format=` first, then the Accept header (SDMX REST, "Content
negotiation"); a representation the service does not offer is an SdmxError (406)."""

from __future__ import annotations

from enum import Enum

from collection.dissemination.sdmx.errors import NOT_ACCEPTABLE, SdmxError


class DataFormat(Enum):
    CSV = "sdmx-csv"
    XML = "sdmx-ml"


FORMAT_NAMES = {
    "sdmx-csv": DataFormat.CSV,
    "csv": DataFormat.CSV,
    "sdmx-ml": DataFormat.XML,
    "xml": DataFormat.XML,
    "structurespecificdata": DataFormat.XML,
}
# Media types (without parameters) and the version each is served in; None: any version, or none given.
DATA_TYPES: dict[str, tuple[DataFormat, str | None]] = {
    "application/vnd.sdmx.data+csv": (DataFormat.CSV, "2.0.0"),
    "text/csv": (DataFormat.CSV, None),
    "application/vnd.sdmx.structurespecificdata+xml": (DataFormat.XML, "2.1"),
    "application/xml": (DataFormat.XML, None),
    "text/xml": (DataFormat.XML, None),
    "*/*": (DataFormat.XML, None),
    "application/*": (DataFormat.XML, None),
}
STRUCTURE_TYPES = {"application/vnd.sdmx.structure+xml": "2.1", "application/xml": None, "text/xml": None, "*/*": None}
OFFERED_DATA = (
    "application/vnd.sdmx.data+csv;version=2.0.0 or application/vnd.sdmx.structurespecificdata+xml;version=2.1"
)


def _accepted(accept: str) -> list[tuple[str, dict[str, str]]]:
    """The media types of an Accept header, most wanted first (by q; ties keep their order)."""
    ranked = []
    for position, part in enumerate(p for p in accept.split(",") if p.strip()):
        media, *params = (x.strip() for x in part.split(";"))
        values = dict(p.split("=", 1) for p in params if "=" in p)
        try:
            q = float(values.pop("q", "1"))
        except ValueError:
            q = 0
        if q > 0:
            ranked.append((-q, position, media.lower(), {k.lower(): v.strip('"') for k, v in values.items()}))
    return [(media, params) for _, _, media, params in sorted(ranked)]


def data_format(*, format_param: str | None, accept: str | None) -> DataFormat:
    if format_param:
        chosen = FORMAT_NAMES.get(format_param.lower())
        if chosen is None:
            raise SdmxError(NOT_ACCEPTABLE, f"format={format_param}: give sdmx-csv (csv) or sdmx-ml (xml).")
        return chosen
    if not accept:
        return DataFormat.XML
    for media, params in _accepted(accept):
        served = DATA_TYPES.get(media)
        if served and (served[1] is None or params.get("version") in (None, served[1])):
            return served[0]
    raise SdmxError(NOT_ACCEPTABLE, f"Accept: {accept} is not offered; ask for {OFFERED_DATA}.")


def structure_format(*, accept: str | None) -> None:
    """Structures are served as SDMX-ML 2.1 only."""
    if not accept:
        return
    for media, params in _accepted(accept):
        if media in STRUCTURE_TYPES and (STRUCTURE_TYPES[media] is None or params.get("version") in (None, "2.1")):
            return
    raise SdmxError(
        NOT_ACCEPTABLE, f"Accept: {accept} is not offered; ask for application/vnd.sdmx.structure+xml;version=2.1."
    )
