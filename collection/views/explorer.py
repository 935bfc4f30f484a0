"""The public data explorer (`/explore/`): a plain GET form whose every choice is in the URL, the table and
chart it shows, and the downloads of exactly what it shows. The shaping lives in `dissemination.explorer`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from collection.catalogue.specs import table_specs
from collection.dissemination.explorer import (
    MAX_VALUES,
    Selection,
    Shown,
    chart_data,
    explorer_choices,
    explorer_show,
    selection_parse,
)
from collection.dissemination.explorer_files import (
    api_query_url,
    explorer_csv_rows,
    explorer_xlsx,
    sdmx_data_url,
)
from collection.lib import downloads
from collection.lib.errors import PortalError
from collection.publication.conditional import public_conditional


@public_conditional
def explore(request: HttpRequest) -> HttpResponse:
    """Public: everyone reads what they may see (staff and the country's focal points embargoed values, marked)."""
    selection = selection_parse(request.GET)
    context: dict[str, object] = {
        "selection": selection,
        "choices": explorer_choices(selection=selection, user=request.user),
        "chosen": {c: set(codes) for c, codes in selection.codes.items()} | {"ref_area": set(selection.ref_area)},
    }
    status = 200
    if selection.indicator:
        try:
            shown = explorer_show(selection=selection, user=request.user)
        except PortalError as exc:
            context["error"], status = exc.message, 400
        else:
            spec = table_specs([selection.indicator])[selection.indicator]
            context |= {
                "shown": shown,
                "chart": chart_data(shown) if shown.rows else None,
                "api_url": api_query_url(selection, spec),
                "sdmx_url": sdmx_data_url(selection, spec),
                "query": selection.query(),
                "max_values": f"{MAX_VALUES:,}",
                "links": {
                    "today": selection.query(as_of=""),
                    "every_year": selection.query(time_from="", time_to=""),
                    "line": selection.query(chart="line"),
                    "bar": selection.query(chart="bar"),
                },
            }
    return render(request, "collection/explore.html", context, status=status)


def _shown(request: HttpRequest) -> Shown:
    selection: Selection = selection_parse(request.GET)
    if not selection.indicator:
        raise Http404("Choose a table first.")
    return explorer_show(selection=selection, user=request.user)


@public_conditional
def explore_download(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The values the page shows for the same query, as a CSV (one value per line) or an XLSX (the table)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such download.")
    try:
        shown = _shown(request)
    except PortalError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"ilms_{shown.table.indicator}{'_as_of_' + shown.selection.as_of if shown.selection.as_of else ''}"
    if fmt == "csv":
        return downloads.csv_streamed(explorer_csv_rows(shown), f"{name}.csv", guard=True)
    return downloads.xlsx_response(explorer_xlsx(shown), f"{name}.xlsx")
