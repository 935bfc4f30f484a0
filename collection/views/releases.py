"""Release pages: the public calendar, one release's page and its Atom feed, and the admins' forms to
schedule, move and withdraw a release. `publication.releases` decides what each reader sees and may change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.views.decorators.http import require_POST

from collection import access
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import AuditEntry, Country, Release, TableDefinition
from collection.publication.releases import (
    release_change,
    release_contents,
    release_countries,
    release_create,
    release_withdraw,
    releases_calendar,
    releases_visible,
)
from collection.views.forms.releases import ReleaseForm

PAST_PER_PAGE = 50
FEED_ENTRIES = 50


def release_calendar(request: HttpRequest) -> HttpResponse:
    """Upcoming releases (the soonest first), then those out or withdrawn, the latest first."""
    now = timezone.now()
    releases = releases_calendar(user=request.user)
    upcoming = list(releases.filter(public_at__gt=now, withdrawn_at__isnull=True).order_by("public_at", "id"))
    page = Paginator(releases.exclude(pk__in=[r.pk for r in upcoming]), PAST_PER_PAGE).get_page(request.GET.get("page"))
    for release in [*upcoming, *page]:
        release.countries = release_countries(release)  # type: ignore[attr-defined]
    return render(
        request,
        "collection/release_calendar.html",
        {
            "upcoming": upcoming,
            "page": page,
            "insider": access.is_reviewer(request.user),
            "can_manage": access.is_admin(request.user),
            "time_zone": timezone.get_current_timezone_name(),
        },
    )


def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One release: when, why, what it changed, and the tables and countries to read under /data/."""
    release = get_object_or_404(releases_calendar(user=request.user), pk=pk)  # a release not listed: 404
    insider = access.is_reviewer(request.user)
    contents = release_contents(user=request.user, release=release)
    shown = TableDefinition.objects.filter(indicator__in={c.indicator for c in contents})
    titles = dict(shown.values_list("indicator", "title"))
    names = dict(Country.objects.values_list("iso3", "name"))
    tables = [
        {"row": c, "title": titles.get(c.indicator, c.indicator), "country": names.get(c.ref_area, c.ref_area)}
        for c in contents
    ]
    return render(
        request,
        "collection/release_detail.html",
        {
            "release": release,
            "tables": tables,
            "countries": sorted({t["country"] for t in tables}),
            "public": release.is_public(),
            "insider": insider,
            "can_manage": access.is_admin(request.user) and release.scheduled and release.is_upcoming(),
            "submissions": [p.submission for p in release.publications.all()] if insider else [],
            "history": AuditEntry.objects.filter(object_type="release", object_id=str(release.pk)) if insider else [],
            "time_zone": timezone.get_current_timezone_name(),
        },
    )


def _form_page(request: AuthenticatedHttpRequest, *, release: Release | None) -> HttpResponse:
    """Schedule a release or move one; what the admin typed survives every refusal."""
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                if release is None:
                    saved = release_create(user=request.user, **form.cleaned_data)
                else:
                    saved = release_change(user=request.user, release=release, **form.cleaned_data)
            except PortalError as exc:
                form.add_error(None, exc.message)
            else:
                when = timezone.localtime(saved.public_at).strftime("%d %b %Y %H:%M %Z") if saved.public_at else ""
                messages.success(request, f"Release “{saved.title}” is scheduled for {when}.")
                return redirect("release_detail", pk=saved.pk)
    elif release is not None:
        form = ReleaseForm(initial={"title": release.title, "note": release.note, "public_at": release.public_at})
    else:
        form = ReleaseForm()
    return render(request, "collection/release_form.html", {"form": form, "release": release})


@access.admin_required()
def release_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _form_page(request, release=None)


@access.admin_required()
def release_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release, pk=pk, scheduled=True)
    if not release.is_upcoming():
        messages.error(request, f"Release “{release.title}” is {release.state}: it can no longer change.")
        return redirect("release_detail", pk=release.pk)
    return _form_page(request, release=release)


@require_POST
@access.admin_required()
def release_withdraw_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release, pk=pk, scheduled=True)
    try:
        release_withdraw(user=request.user, release=release)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Release “{release.title}” is withdrawn: nothing in it becomes public.")
    return redirect("release_detail", pk=release.pk)


class ReleaseFeed(Feed):
    """The releases that are out, the newest first, as an Atom feed: an embargoed one appears at its moment."""

    feed_type = feedgenerator.Atom1Feed
    title = "ILMS Portal: data releases"
    subtitle = "Labour migration statistics of every region's reporting countries, as each release made them public."

    def link(self) -> str:
        return reverse("release_calendar")

    def items(self) -> list[Release]:
        return list(releases_visible(user=AnonymousUser())[:FEED_ENTRIES])  # what the public sees, whoever asks

    def item_title(self, item: Release) -> str:
        return item.title

    def item_description(self, item: Release) -> str:
        countries = release_countries(item)
        changed = f"{item.new_count or 0} new and {item.revised_count or 0} revised values"  # type: ignore[attr-defined]
        return " ".join(filter(None, [item.note, f"{changed}{': ' + ', '.join(countries) if countries else ''}."]))

    def item_link(self, item: Release) -> str:
        return reverse("release_detail", args=[item.pk])

    def item_pubdate(self, item: Release) -> object:
        return item.public_at

    def item_updateddate(self, item: Release) -> object:
        return item.public_at
