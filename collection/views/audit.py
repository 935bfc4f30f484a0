"""The audit log (ILO staff) and the history of one published value (staff and the country's focal points)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from collection import access
from collection.audit.trail import AuditFilterForm, actor_names, audit_export_rows, audit_rows, audit_xlsx_file
from collection.lib import downloads
from collection.lib.users import AuthenticatedHttpRequest
from collection.publication.history import observation_versions

PER_PAGE = 50


staff_only = access.staff_required("The audit log is for ILO staff.")


@staff_only
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(form.entries(), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "collection/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows(page.object_list, request.user),
            "actors": actor_names(),
            "query": query.urlencode(),
        },
    )


@staff_only
def audit_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The entries the current filters select, as CSV (streamed) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx.")
    entries = AuditFilterForm(request.GET).entries()
    filename = f"ilms-audit-log-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return downloads.xlsx_file_response(audit_xlsx_file(entries), filename)
    return downloads.csv_streamed(audit_export_rows(entries), filename)


@login_required
def observation_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who changed this value, when and why: every version of its key with its provenance."""
    history = observation_versions(user=request.user, pk=pk)
    return render(
        request,
        "collection/observation_history.html",
        {"history": history, "key": history.observation, "now": timezone.now()},
    )
