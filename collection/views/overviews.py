"""The public overviews: one page per country with its key figures, and the ASEAN page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from collection.dissemination.overviews import asean_overview, country_overview
from collection.models import Country
from collection.publication.conditional import public_conditional


@public_conditional
def country_page(request: HttpRequest, iso3: str) -> HttpResponse:
    """Public; staff and the country's focal points also see embargoed values, marked."""
    country = get_object_or_404(Country, iso3=iso3.upper())
    overview = country_overview(country=country, user=request.user)
    return render(request, "collection/country_overview.html", {"overview": overview, "country": country})


@public_conditional
def asean_page(request: HttpRequest) -> HttpResponse:
    """Public; `?year=` picks the year (the latest with outflows by default)."""
    overview = asean_overview(user=request.user, year=request.GET.get("year") or None)
    return render(request, "collection/asean_overview.html", {"overview": overview})
