"""The public overviews: one page per country with its key figures, one per region, and the list of regions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from collection.catalogue.regions import regions_of
from collection.dissemination.overviews import country_overview, region_overview, regions_overview
from collection.models import Country, Region
from collection.publication.conditional import public_conditional

# The address of the ASEAN overview before regions were data (issue 10); it keeps serving that region's page.
LEGACY_REGION = "ASEAN"


@public_conditional
def country_page(request: HttpRequest, iso3: str) -> HttpResponse:
    """Public; staff and the country's focal points also see embargoed values, marked."""
    country = get_object_or_404(Country, iso3=iso3.upper())
    overview = country_overview(country=country, user=request.user)
    context = {"overview": overview, "country": country, "regions": regions_of(country.iso3)}
    return render(request, "collection/country_overview.html", context)


@public_conditional
def regions_page(request: HttpRequest) -> HttpResponse:
    """Public: every region with its members and key figures (each for its latest year of outflows)."""
    overviews = regions_overview(user=request.user)
    context = {"overviews": overviews, "embargoed": any(o.embargoed for o in overviews)}
    return render(request, "collection/regions.html", context)


@public_conditional
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """Public; `?year=` picks the year (the latest with outflows by default)."""
    region = get_object_or_404(Region, code=code.upper())
    overview = region_overview(region=region, user=request.user, year=request.GET.get("year") or None)
    return render(request, "collection/region_overview.html", {"overview": overview, "region": region})


def asean_page(request: HttpRequest) -> HttpResponse:
    """`/countries/asean/` (issue 10's address) serves the ASEAN region's overview, as `/regions/ASEAN/` does."""
    return region_page(request, LEGACY_REGION)
