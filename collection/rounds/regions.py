"""Regions as admins run them: create or change one (its members chosen from every ISO 3166 country), what its
page shows (members with their focal points), and which region a round belongs to.

A region decides which countries its rounds may ask; it never widens what a focal point sees (their own
countries decide that, in access.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

import pycountry
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from collection import access
from collection.audit.record import audit_record
from collection.catalogue.regions import iso_country_name
from collection.lib.errors import PortalError
from collection.lib.users import User
from collection.models import AuditAction, Country, Region, Role, Round

_admin_only = partial(access.require_admin, message="Only admins change regions.")


def iso_countries() -> list[tuple[str, str]]:
    """Every ISO 3166 country as (alpha-3, name), by name: the names the catalogue keeps for those it has
    (as the starting regions or an admin named them), ISO's common name for the others."""
    known = dict(Country.objects.values_list("iso3", "name"))
    codes = {c.alpha_3 for c in pycountry.countries} | set(known)
    return sorted(((iso3, known.get(iso3) or iso_country_name(iso3) or iso3) for iso3 in codes), key=lambda c: c[1])


def country_for(iso3: str) -> Country:
    """The catalogue's country for an ISO 3166 alpha-3 code, created with its ISO name the first time a region
    takes it; anything else is refused in words."""
    iso3 = iso3.strip().upper()
    country = Country.objects.filter(iso3=iso3).first()
    if country is not None:
        return country
    name = iso_country_name(iso3)
    if name is None:
        raise PortalError(f"{iso3} is not an ISO 3166 country code (three letters, e.g. NPL for Nepal).")
    return Country.objects.create(iso3=iso3, name=name)


def _members_in_rounds(region: Region, removed: Iterable[str]) -> list[str]:
    """Sentences for the countries an admin takes out of the region while one of its rounds still asks them."""
    refusals = []
    rounds = region.rounds.exclude(status=Round.Status.ARCHIVED).filter(countries__iso3__in=list(removed))
    for round_ in rounds.distinct().order_by("name"):
        names = round_.countries.filter(iso3__in=list(removed)).order_by("name").values_list("name", flat=True)
        refusals.append(
            f"Round {round_.name} ({round_.get_status_display().lower()}) still asks {', '.join(names)}: "
            "take them out of the round first, or archive it."
        )
    return refusals


@transaction.atomic
def region_save(*, user: User, region: Region | None = None, code: str, name: str, countries: list[str]) -> Region:
    """Create a region or change one's name and members; a code is kept for good once given (addresses and
    file names carry it). Countries not yet in the catalogue are added with their ISO name."""
    _admin_only(user)
    creating = region is None
    code, name = code.strip().upper(), " ".join(name.split())
    if creating and Region.objects.filter(code=code).exists():
        raise PortalError(f"A region with the code {code} already exists; choose another code.")
    region = region or Region(code=code, sort_order=(Region.objects.aggregate(n=Max("sort_order"))["n"] or 0) + 1)
    if Region.objects.filter(name__iexact=name).exclude(pk=region.pk).exists():
        raise PortalError(f"A region named {name} already exists; choose another name.")
    wanted = sorted({c.strip().upper() for c in countries if c.strip()})
    if not wanted:
        raise PortalError("Choose at least one member country.")
    before_members = sorted(region.countries.values_list("iso3", flat=True)) if not creating else []
    before_name = region.name
    region.name = name
    try:
        region.full_clean(exclude=["countries"], validate_unique=False)
    except ValidationError as error:
        raise PortalError(" ".join(m for messages in error.message_dict.values() for m in messages)) from error
    removed = sorted(set(before_members) - set(wanted))
    if not creating and (refusals := _members_in_rounds(region, removed)):
        raise PortalError(" ".join(refusals))
    existing = set(Country.objects.filter(iso3__in=wanted).values_list("iso3", flat=True))
    members = [country_for(iso3) for iso3 in wanted]
    added_to_catalogue = sorted(set(wanted) - existing)
    region.save()
    region.countries.set(members)
    added = sorted(set(wanted) - set(before_members))
    detail: dict[str, object] = {"code": region.code, "countries_added": added, "countries_removed": removed}
    if added_to_catalogue:
        detail["new_in_catalogue"] = added_to_catalogue
    if creating:
        audit_record(
            AuditAction.REGION_CREATED,
            obj=region,
            actor=user,
            summary=f"Created region {region.name} ({region.code}) with {len(wanted)} countries: {', '.join(wanted)}.",
            detail={**detail, "name": region.name},
        )
    elif added or removed or before_name != region.name:
        changes = []
        if before_name != region.name:
            changes.append(f"renamed from {before_name}")
            detail["name"] = {"from": before_name, "to": region.name}
        if added:
            changes.append(f"added {', '.join(added)}")
        if removed:
            changes.append(f"removed {', '.join(removed)}")
        audit_record(
            AuditAction.REGION_CHANGED,
            obj=region,
            actor=user,
            summary=f"Region {region.name} ({region.code}): {'; '.join(changes)}.",
            detail=detail,
        )
    return region


def regions_listed() -> QuerySet[Region]:
    """Every region with the counts its list shows: member countries, their active focal points, rounds."""
    focal = Q(
        countries__focal_points__role=Role.FOCAL_POINT,
        countries__focal_points__user__is_active=True,
    )
    return Region.objects.annotate(
        n_countries=Count("countries", distinct=True),
        n_focal_points=Count("countries__focal_points", filter=focal, distinct=True),
        n_rounds=Count("rounds", distinct=True),
    )


@dataclass
class Member:
    """A member country on its region's page, with the people who report for it."""

    country: Country
    focal_points: list[User] = field(default_factory=list)

    @property
    def ready(self) -> int:
        """Focal points who can sign in now (active, and their invitation accepted or a password set)."""
        return sum(1 for u in self.focal_points if u.is_active and not u.password.startswith(UNUSABLE_PASSWORD_PREFIX))

    @property
    def pending(self) -> int:
        return sum(1 for u in self.focal_points if u.is_active and u.password.startswith(UNUSABLE_PASSWORD_PREFIX))


def region_members_with_focal_points(region: Region) -> list[Member]:
    """The region's countries by name, each with its focal points (active first): two queries."""
    members = {c.iso3: Member(c) for c in region.countries.order_by("name")}
    people = (
        User.objects.filter(profile__role=Role.FOCAL_POINT, profile__countries__in=list(members))
        .distinct()
        .prefetch_related("profile__countries")
        .order_by("-is_active", "username")
    )
    for person in people:
        for country in person.profile.countries.all():
            if country.iso3 in members:
                members[country.iso3].focal_points.append(person)
    return list(members.values())


def round_region(countries: Iterable[str]) -> Region | None:
    """The region of a round given without one: the region all its countries belong to (the first in display
    order if they share several); None when they share none."""
    codes = sorted(set(countries))
    if not codes:
        return None
    shared = Region.objects.filter(countries__iso3__in=codes).annotate(n=Count("countries", distinct=True))
    return shared.filter(n=len(codes)).order_by("sort_order", "name").first()


def round_region_check(region: Region | None, countries: list[str]) -> Region:
    """The round's region, and its countries all members of it; refused in words otherwise."""
    if region is None:
        region = round_region(countries)
        if region is None:
            raise PortalError(
                "These countries are not all members of one region: choose the round's region first; a round asks "
                "the countries of its region."
            )
        return region
    members = set(region.countries.values_list("iso3", flat=True))
    outside = Country.objects.filter(iso3__in=sorted(set(countries) - members)).order_by("name")
    if outside:
        names = [c.name for c in outside]
        verb = "is" if len(names) == 1 else "are"
        raise PortalError(
            f"{' and '.join([', '.join(names[:-1]), names[-1]] if len(names) > 1 else names)} {verb} not "
            f"{'a member' if len(names) == 1 else 'members'} of {region.name}: a round asks only its region's "
            "countries. Add them to the region first, or choose another region."
        )
    return region
