"""Pages anyone may read: the home page and the published master tables."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from collection import access
from collection.models import Country, Region, TableDefinition
from collection.publication.conditional import public_conditional
from collection.publication.releases import releases_recent
from collection.publication.tables import indicator_countries, indicator_pivot, master_tables_summary
from collection.review.queue import submissions_to_review
from collection.rounds.progress import focal_point_rounds


def home(request: HttpRequest) -> HttpResponse:
    """Everyone's start: a focal point with one country in one open round lands on that country's page."""
    context: dict[str, object] = {"recent_releases": releases_recent()[:5], "regions": list(Region.objects.all())}
    if access.is_focal_point(request.user):
        rounds = focal_point_rounds(request.user)
        if len(rounds) == 1 and len(rounds[0]["countries"]) == 1:
            return redirect(
                "country_round", round_id=rounds[0]["round"].pk, iso3=rounds[0]["countries"][0]["country"].iso3
            )
        context["rounds"] = rounds
        context["recent"] = access.visible_submissions(request.user).select_related("round", "country")[:10]
    elif access.may_upload_any(request.user):
        context["rounds"] = focal_point_rounds(request.user)
        context["recent"] = access.visible_submissions(request.user).select_related("round", "country")[:10]
    if access.is_reviewer(request.user):
        context["queue"] = submissions_to_review()[:10]
    return render(request, "collection/home.html", context)


@public_conditional
def data_index(request: HttpRequest) -> HttpResponse:
    return render(request, "collection/data_index.html", {"tables": master_tables_summary()})


@public_conditional
def data_indicator(request: HttpRequest, indicator: str) -> HttpResponse:
    table = get_object_or_404(TableDefinition, indicator=indicator)
    rows = indicator_countries(indicator)
    names = dict(Country.objects.values_list("iso3", "name"))
    for row in rows:
        row["name"] = names.get(row["ref_area"], row["ref_area"])
    return render(request, "collection/data_indicator.html", {"table": table, "rows": rows})


@public_conditional
def data_table(request: HttpRequest, indicator: str, iso3: str) -> HttpResponse:
    table = get_object_or_404(TableDefinition, indicator=indicator)
    country = get_object_or_404(Country, iso3=iso3.upper())
    pivot = indicator_pivot(indicator, country.iso3, request.user)
    history = access.sees_country(request.user, country.iso3)  # links each value to its history
    return render(
        request,
        "collection/data_table.html",
        {"table": table, "country": country, "pivot": pivot, "history": history},
    )
