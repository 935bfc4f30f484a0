"""Per-country reports: what each country has published (data availability) and from which national sources."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from collection.dissemination.overviews import countries_by_region
from collection.lib import downloads
from collection.models import Country
from collection.publication.availability import (
    availability_filename,
    availability_xlsx,
    countries_summary,
    country_availability,
)
from collection.publication.register import source_register as register_for


def country_of(iso3: str) -> Country:
    return get_object_or_404(Country, iso3=iso3.upper())


def country_index(request: HttpRequest) -> HttpResponse:
    return render(request, "collection/country_index.html", {"groups": countries_by_region(countries_summary())})


def data_availability(request: HttpRequest, iso3: str) -> HttpResponse:
    """Public, as the published data are: every role sees the same report."""
    report = country_availability(country_of(iso3))
    return render(request, "collection/data_availability.html", {"report": report, "country": report.country})


def data_availability_xlsx(request: HttpRequest, iso3: str) -> HttpResponse:
    report = country_availability(country_of(iso3))
    return downloads.xlsx_response(availability_xlsx(report), availability_filename(report.country))


def source_register(request: HttpRequest, iso3: str) -> HttpResponse:
    """Public for published sources; the country's focal points and ILO staff also see work in progress."""
    register = register_for(user=request.user, country=country_of(iso3))
    return render(request, "collection/source_register.html", {"register": register, "country": register.country})
