"""Pages where admins keep the regions: the list, the region form (new, change) and one region's page with its
member countries and their focal points. Reviewers read them; focal points never see them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from collection import access
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import AuditEntry, Region
from collection.rounds.lifecycle import rounds_by_status
from collection.rounds.regions import region_members_with_focal_points, region_save, regions_listed
from collection.views.forms.regions import RegionForm


@access.staff_required()
def region_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "collection/region_list.html",
        {"regions": regions_listed(), "can_manage": access.is_admin(request.user)},
    )


@access.staff_required()
def region_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """A region's members with their focal points (and the way to invite one), and its rounds."""
    region = get_object_or_404(Region, code=code.upper())
    rounds = region.rounds.filter(pk__in=access.visible_rounds(request.user).values("pk"))
    return render(
        request,
        "collection/region_detail.html",
        {
            "region": region,
            "members": region_members_with_focal_points(region),
            "groups": rounds_by_status(rounds),
            "can_manage": access.is_admin(request.user),
            "audit": AuditEntry.objects.filter(object_type="region", object_id=region.code)[:20],
        },
    )


def _form_page(request: AuthenticatedHttpRequest, region: Region | None) -> HttpResponse:
    initial = (
        {"code": region.code, "name": region.name, "countries": list(region.countries.values_list("iso3", flat=True))}
        if region
        else {}
    )
    form = RegionForm(request.POST or None, region=region, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = region_save(
                user=request.user,
                region=region,
                code=region.code if region else data["code"],
                name=data["name"],
                countries=data["countries"],
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Region {saved.name} saved: {saved.countries.count()} member countries.")
            return redirect("region_detail", code=saved.code)
    heading = f"Change {region.name}" if region else "New region"
    return render(request, "collection/region_form.html", {"form": form, "region": region, "heading": heading})


@access.admin_required()
def region_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _form_page(request, None)


@access.admin_required()
def region_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    return _form_page(request, get_object_or_404(Region, code=code.upper()))
