"""The read-only SDMX REST service (SDMX 2.1 REST paths): structures as SDMX-ML 2.1, data as SDMX-CSV 2.0 or
SDMX-ML 2.1 structure-specific, streamed. Public: every answer is what the public sees, whoever asks; every
failure is an SDMX error message with its status (400, 404, 406), never a 500 for a bad query."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from collection.api.throttling import plain_throttled, whole_table_throttled
from collection.dissemination.sdmx import structure
from collection.dissemination.sdmx.data import data_query, data_rows
from collection.dissemination.sdmx.errors import NOT_FOUND, SYNTAX, SdmxError, error_message, error_text
from collection.dissemination.sdmx.formats import DataFormat, data_format, structure_format
from collection.dissemination.sdmx.layout import AGENCY, VERSION
from collection.dissemination.sdmx.writers import CSV_TYPE, XML_TYPE, csv_message, xml_message
from collection.publication.conditional import public_conditional

STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8"
ERROR_TYPE = "application/xml; charset=utf-8"
ALL = "all"
REFERENCES = {"none": False, "children": True, "descendants": True, "all": True}


def _error(error: SdmxError, *, as_text: bool = False) -> HttpResponse:
    if as_text:
        return HttpResponse(error_text(error), status=error.status, content_type="text/plain; charset=utf-8")
    return HttpResponse(error_message(error), status=error.status, content_type=ERROR_TYPE)


def _artefact(agency: str, resource_id: str, version: str) -> str | None:
    """The id a structure query names (None for `all`); another agency or version finds nothing."""
    if agency not in (AGENCY, ALL) or version not in (VERSION, "latest", ALL):
        raise SdmxError(NOT_FOUND, f"There is no {agency} artefact {resource_id} version {version}.")
    return None if resource_id == ALL else resource_id


def _structure(request: HttpRequest, build: Callable[[], str | None], what: str) -> HttpResponse:
    try:
        structure_format(accept=request.headers.get("Accept"))
        message = build()
    except SdmxError as error:
        return _error(error)
    if message is None:
        return _error(SdmxError(NOT_FOUND, f"There is no {what}."))
    return HttpResponse(message, content_type=STRUCTURE_TYPE)


@require_GET
@plain_throttled
def dataflow(request: HttpRequest, agency: str, resource_id: str = ALL, version: str = "latest") -> HttpResponse:
    def build() -> str | None:
        return structure.dataflows_message(_artefact(agency, resource_id, version))

    return _structure(request, build, f"dataflow {resource_id}")


def _children(request: HttpRequest) -> bool:
    """Whether `references` asks for the artefacts a structure refers to; anything else SDMX names is refused."""
    references = request.GET.get("references", "none")
    if references not in REFERENCES:
        raise SdmxError(SYNTAX, f"references={references}: give none, children, descendants or all.")
    return REFERENCES[references]


@require_GET
@plain_throttled
def datastructure(request: HttpRequest, agency: str, resource_id: str = ALL, version: str = "latest") -> HttpResponse:
    def build() -> str | None:
        children = _children(request)
        wanted = _artefact(agency, resource_id, version)
        return structure.datastructures_message(wanted, children=children)

    return _structure(request, build, f"data structure {resource_id}")


@require_GET
@plain_throttled
def codelist(request: HttpRequest, agency: str, resource_id: str = ALL, version: str = "latest") -> HttpResponse:
    def build() -> str | None:
        return structure.codelists_message(_artefact(agency, resource_id, version))

    return _structure(request, build, f"code list {resource_id}")


@require_GET
@plain_throttled
def hierarchicalcodelist(
    request: HttpRequest, agency: str, resource_id: str = ALL, version: str = "latest"
) -> HttpResponse:
    """The regions and their reporting countries (HCL_REGION); `references=children` adds CL_AREA and CL_REGION."""

    def build() -> str | None:
        children = _children(request)
        wanted = _artefact(agency, resource_id, version)
        return structure.hierarchies_message(wanted, children=children)

    return _structure(request, build, f"hierarchical code list {resource_id}")


@require_GET
@public_conditional
@whole_table_throttled  # inside the conditional: a 304 costs nothing and is not counted
def data(request: HttpRequest, flow_ref: str, key: str = "") -> HttpResponse | StreamingHttpResponse:
    """The public values of a table the key selects; the message is written while it is sent."""
    try:
        chosen = data_format(format_param=request.GET.get("format"), accept=request.headers.get("Accept"))
    except SdmxError as error:
        return _error(error)
    try:
        query = data_query(flow_ref=flow_ref, key=key, params=request.GET.dict())
        rows = data_rows(query)
    except SdmxError as error:
        return _error(error, as_text=chosen is DataFormat.CSV)
    if chosen is DataFormat.CSV:
        return StreamingHttpResponse(csv_message(query.layout, rows), content_type=CSV_TYPE)
    return StreamingHttpResponse(xml_message(query.layout, rows), content_type=XML_TYPE)
