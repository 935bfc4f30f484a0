"""Pages where admins run consultation rounds: the list, the round form (new, copy, edit) and the control
room of one round. Reviewers read them; focal points never see them. `rounds` decides every change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from collection import access
from collection.lib.errors import PortalError
from collection.lib.numbers import record_id
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import AuditAction, AuditEntry, Country, Region, Round
from collection.rounds.lifecycle import (
    MOVE_BUTTONS,
    MOVES,
    round_copy_defaults,
    round_country_reopen,
    round_country_terms,
    round_extend,
    round_move,
    round_moves_allowed,
    round_save,
    round_values,
    rounds_by_status,
    rounds_latest,
)
from collection.views.forms.rounds import (
    CountryTermsForm,
    ExtendForm,
    RoundForm,
    round_form_initial,
    round_form_reselect,
)

MOVE_DONE = {
    "open": "Round {name} is open: its focal points can upload now.",
    "close": "Round {name} is closed: uploads are no longer accepted.",
    "reopen": "Round {name} is open again: every country of it can upload.",
    "archive": "Round {name} is archived.",
}


@access.staff_required()
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every round the user sees, by status, with its region; `?region=CODE` keeps one region's."""
    rounds = Round.objects.filter(pk__in=access.visible_rounds(request.user).values("pk"))
    regions = list(Region.objects.all())
    region = next((r for r in regions if r.code == request.GET.get("region", "").upper()), None)
    if region is not None:
        rounds = rounds.filter(region=region)
    can_manage = access.is_admin(request.user)
    # "Copy the last round" per region: a region's next round starts from its own latest.
    latest = [(r, rounds_latest(rounds.filter(region=r))) for r in ([region] if region else regions)]
    return render(
        request,
        "collection/round_list.html",
        {
            "groups": rounds_by_status(rounds),
            "can_manage": can_manage,
            "latest": [(r, last) for r, last in latest if last is not None] if can_manage else [],
            "regions": regions,
            "region": region,
        },
    )


def _form_page(
    request: AuthenticatedHttpRequest, *, round_: Round | None, initial: dict[str, object], heading: str
) -> HttpResponse:
    """The round form, for a new round, a copy or a change; what the admin typed survives every refusal."""
    if request.method == "POST" and request.POST.get("select"):  # the select all / none buttons
        form = RoundForm(initial=round_form_reselect(request.POST))
    elif request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            try:
                saved = round_save(user=request.user, round_=round_, **form.cleaned_data)
            except PortalError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Round {saved.name} saved.")
                return redirect("round_manage", round_id=saved.pk)
    else:
        form = RoundForm(initial=initial)
    return render(request, "collection/round_form.html", {"form": form, "round": round_, "heading": heading})


@access.admin_required()
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new round; `?copy=<id>` starts from that round (its region too), its years and dates a year later;
    `?region=CODE` starts with that region and all its countries."""
    copy = record_id(request.GET.get("copy", ""))
    source = get_object_or_404(Round, pk=copy) if copy is not None else None
    heading = f"Copy of {source.name}" if source else "New round"
    values = round_copy_defaults(source)
    region = Region.objects.filter(code=request.GET.get("region", "").upper()).first()
    if region is not None and source is None:
        values = {"region": region.code}
        heading = f"New round for {region.name}"
    return _form_page(request, round_=None, initial=round_form_initial(values), heading=heading)


@access.admin_required()
def round_edit(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    if not round_.is_changeable:
        messages.error(request, f"Round {round_.name} is archived and can no longer change.")
        return redirect("round_manage", round_id=round_.pk)
    return _form_page(
        request, round_=round_, initial=round_form_initial(round_values(round_)), heading=f"Change {round_.name}"
    )


@login_required
def round_manage(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    """The round's control room: its terms, status and history, and the actions its status allows."""
    round_ = access.staff_round(request.user, round_id)
    can_manage = access.is_admin(request.user)
    audit = AuditEntry.objects.filter(object_type="round", object_id=str(round_.pk))
    days_left = (round_.deadline - timezone.localdate()).days
    archived = audit.filter(action=AuditAction.ROUND_ARCHIVED).values_list("at", flat=True).first()
    return render(
        request,
        "collection/round_manage.html",
        {
            "round": round_,
            "can_manage": can_manage,
            "days_left": days_left,
            "days_overdue": -days_left,
            "countries": round_country_terms(round_),
            "tables": round_.tables.all(),
            "timeline": [
                ("Created", round_.created_at),
                ("Opened", round_.opened_at),
                ("Closed", round_.closed_at),
                ("Archived", archived),
            ],
            "moves": [(a, *MOVE_BUTTONS[a]) for a in round_moves_allowed(round_)] if can_manage else [],
            "extend_form": ExtendForm(round_=round_) if can_manage and round_.is_changeable else None,
            "audit": audit[:30],
        },
    )


@require_POST
@access.admin_required()
def round_action(request: AuthenticatedHttpRequest, round_id: int, action: str) -> HttpResponse:
    """Every button of the control room posts here; the service says yes or why not."""
    round_ = get_object_or_404(Round, pk=round_id)
    try:
        if action in MOVES:
            round_move(user=request.user, round_=round_, action=action)
            messages.success(request, MOVE_DONE[action].format(name=round_.name))
        elif action == "extend":
            form = ExtendForm(request.POST, round_=round_)
            if not form.is_valid():
                raise PortalError("Choose the new deadline and whether it holds for all countries or one.")
            iso3 = form.cleaned_data["country"]
            country = get_object_or_404(Country, iso3=iso3) if iso3 else None
            round_extend(user=request.user, round_=round_, deadline=form.cleaned_data["deadline"], country=country)
            who = country.name if country else "every country"
            messages.success(request, f"The deadline for {who} is now {form.cleaned_data['deadline']:%d %B %Y}.")
        elif action in ("reopen_country", "close_country"):
            terms = CountryTermsForm(request.POST)
            if not terms.is_valid():
                raise PortalError("Give a valid date, or leave it empty.")
            country = get_object_or_404(Country, iso3=terms.cleaned_data["country"].upper())
            reopen = action == "reopen_country"
            until = terms.cleaned_data["deadline"]
            round_country_reopen(user=request.user, round_=round_, country=country, reopen=reopen, deadline=until)
            if reopen:
                messages.success(
                    request,
                    f"{country.name} can upload to round {round_.name} again"
                    + (f" until {until:%d %B %Y}." if until else "."),
                )
            else:
                messages.success(request, f"Round {round_.name} is closed again for {country.name}.")
        else:
            raise Http404
    except PortalError as exc:
        messages.error(request, exc.message)
    return redirect("round_manage", round_id=round_.pk)
