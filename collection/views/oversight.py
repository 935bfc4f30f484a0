"""The completeness dashboard of a round, for ILO staff: the matrix (refreshed live by htmx) and its downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from collection import access
from collection.lib import downloads
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import Region, Round, Submission
from collection.rounds.completeness import (
    EXPORT_FORMATS,
    Completeness,
    DashboardFilter,
    completeness_export,
    progress_chart,
    regions_completeness,
    round_completeness,
    round_progress,
)
from collection.rounds.progress import table_status_label


@access.staff_required()
def regions_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Completeness across regions (a summary row per region) and, per region, of each of its rounds at work;
    `?region=CODE` shows one region."""
    regions = list(Region.objects.all())
    region = next((r for r in regions if r.code == request.GET.get("region", "").upper()), None)
    rounds = Round.objects.filter(pk__in=access.visible_rounds(request.user).values("pk"))
    summaries = regions_completeness([region] if region else regions, rounds)
    return render(
        request,
        "collection/regions_dashboard.html",
        {"summaries": summaries, "regions": regions, "region": region, "can_manage": access.is_admin(request.user)},
    )


def _dashboard(request: AuthenticatedHttpRequest, round_id: int) -> Completeness:
    """The round and its completeness as filtered by the query; ILO staff only, anyone else gets a 404."""
    round_ = access.staff_round(request.user, round_id)
    countries = set(round_.countries.values_list("iso3", flat=True))
    return round_completeness(round_, filters=DashboardFilter.from_query(request.GET, countries))


@login_required
def round_dashboard(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    board = _dashboard(request, round_id)
    context = {
        "board": board,
        "round": board.round,
        "live": board.round.is_changeable,
        "statuses": [(s, table_status_label(s)) for s in Submission.Status.table_statuses()],
    }
    if request.headers.get("HX-Request"):  # the matrix polling itself: only the part that changes
        return render(request, "collection/_dashboard_matrix.html", {**context, "refresh": True})
    weeks = round_progress(board.round, today=board.today)
    return render(
        request,
        "collection/round_dashboard.html",
        {**context, "weeks": weeks, "chart": progress_chart(weeks)},
    )


@login_required
def round_dashboard_export(request: AuthenticatedHttpRequest, round_id: int, fmt: str) -> HttpResponse:
    """The dashboard's cells, as filtered on the page, as an XLSX or CSV file."""
    board = _dashboard(request, round_id)
    if fmt not in EXPORT_FORMATS:
        raise Http404("Download as xlsx or csv.")
    content, content_type, filename = completeness_export(board, fmt)
    return downloads.file_response(content, content_type=content_type, filename=filename)
