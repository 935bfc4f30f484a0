"""The audit log (ILO staff) and the history of one published value (staff and the country's focal points)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from collection import access
from collection.audit.trail import AuditFilterForm, actor_names, audit_csv_lines, audit_rows, audit_xlsx_file
from collection.publication.history import observation_versions
from collection.views.reporting import XLSX

PER_PAGE = 50


def _staff_only(request: HttpRequest) -> None:
    if not access.is_reviewer(request.user):
        raise Http404("The audit log is for ILO staff.")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
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


@login_required
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The entries the current filters select, as CSV (streamed) or XLSX."""
    _staff_only(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx.")
    entries = AuditFilterForm(request.GET).entries()
    filename = f"ilms-audit-log-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(audit_xlsx_file(entries), as_attachment=True, filename=filename, content_type=XLSX)
    response = StreamingHttpResponse(audit_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def observation_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed this value, when and why: every version of its key with its provenance."""
    history = observation_versions(user=request.user, pk=pk)
    return render(
        request,
        "collection/observation_history.html",
        {"history": history, "key": history.observation},
    )
