"""The reviewer's workspace: one screen to read a submission table by table and approve or return it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from collection import access
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import Submission
from collection.publication.publish import publication_failure
from collection.publication.releases import releases_upcoming
from collection.review.comments import comment_add, table_comments
from collection.review.workspace import (
    MAX_SERIES,
    ROW_SORTS,
    ComparedRow,
    ComparedRows,
    comparison_rows,
    datasource_compare,
    issues_beside_the_rows,
    series_history,
    submission_compare,
    submission_tables,
    table_warnings,
)

ROWS_PER_PAGE = 100


def _reviewable(request: AuthenticatedHttpRequest, pk: int) -> Submission:
    """The submission, for the ILO staff the page lets in, among those they may see."""
    return get_object_or_404(access.visible_submissions(request.user).select_related("round", "country"), pk=pk)


def _query(params: QueryDict, **changes: object) -> str:
    """The current query string with some parameters replaced (a list value sets a repeated parameter)."""
    query = params.copy()
    for name, value in changes.items():
        if value in (None, "", []):
            query.pop(name, None)
        elif isinstance(value, list):
            query.setlist(name, value)
        else:
            query[name] = str(value)
    return query.urlencode()


@access.staff_required()
def review_workspace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _reviewable(request, pk)
    tables = submission_compare(submission=submission)
    indicator = request.GET.get("table") or next(iter(tables), "")
    if tables and indicator not in tables:
        raise Http404("No such table in this submission.")
    table = tables.get(indicator)
    only_flagged = request.GET.get("flagged") == "1"
    sort = request.GET.get("sort", "file")
    sort = sort if sort in ROW_SORTS else "file"
    series = request.GET.getlist("series")[:MAX_SERIES]
    rows: ComparedRows | list[ComparedRow] = (
        comparison_rows(table, only_flagged=only_flagged, sort=sort) if table else []
    )
    # Paginator only slices its list; the stub's protocol also asks for an int index, which ComparedRows lacks.
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    for row in page:  # the "chart" link adds the row's series to the ones already charted
        charted = [*(s for s in series if s != row.series), row.series][-MAX_SERIES:]
        row.chart_query = _query(request.GET, series=charted)
        row.charted = row.series in series
    charts = series_history(submission=submission, indicator=indicator, series=series) if table else []
    for chart in charts:
        chart.remove_query = _query(request.GET, series=[s for s in series if s != chart.id])
    workspace_url = reverse("review_workspace", args=[submission.pk])
    return render(
        request,
        "collection/review_workspace.html",
        {
            "submission": submission,
            "tables": tables.values(),
            "table": table,
            "indicator": indicator,
            "page": page,
            "only_flagged": only_flagged,
            "sort": sort,
            "sorts": ROW_SORTS,
            "series": series,
            "charts": charts,
            "sources": datasource_compare(submission=submission, indicator=indicator) if table else None,
            "warnings": table_warnings(submission=submission, indicator=indicator) if table else [],
            "beside": issues_beside_the_rows(submission=submission, indicator=indicator),
            "comments": table_comments(submission=submission, indicator=indicator) if table else [],
            "can_decide": submission.status == Submission.Status.SUBMITTED,
            "publication_failure": publication_failure(submission),
            "upcoming_releases": releases_upcoming(),
            "here": f"{workspace_url}?{_query(request.GET)}" if request.GET else workspace_url,
            "page_query": _query(request.GET, page=None),
        },
    )


@require_POST
@access.staff_required()
def review_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a message to one table's thread, then back to that table."""
    submission = _reviewable(request, pk)
    indicator = request.POST.get("indicator", "")
    try:
        comment_add(user=request.user, submission=submission, indicator=indicator, text=request.POST.get("text", ""))
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Comment added to {indicator}.")
    url = reverse("review_workspace", args=[submission.pk])
    if indicator not in {t.indicator for t in submission_tables(submission)}:
        return redirect(url)  # the message says what was wrong; the workspace opens on its first table
    return redirect(f"{url}?{_query(QueryDict(mutable=True), table=indicator)}#comments")
