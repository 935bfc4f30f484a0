"""Regions as the rest of the portal asks about them: which exist, who their members are."""

from __future__ import annotations

import pycountry

from collection.models import Country, Region


def region_members(region: Region | str) -> list[str]:
    """The ISO 3166 alpha-3 codes of a region's countries, sorted."""
    code = region.code if isinstance(region, Region) else region
    return sorted(Country.objects.filter(regions__code=code).values_list("iso3", flat=True))


def regions_of(iso3: str) -> list[Region]:
    """The regions a country belongs to, in their display order (a country may be in several)."""
    return list(Region.objects.filter(countries__iso3=iso3))


def iso_country_name(iso3: str) -> str | None:
    """The ISO 3166 name of an alpha-3 code (its common name where ISO has one), or None for no such country."""
    country = pycountry.countries.get(alpha_3=iso3.upper())
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)
