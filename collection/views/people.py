"""People pages for admins (focal points and ILO staff, invitations, deactivation) and the public invitation link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from collection import access
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import AuditEntry, Country, Role
from collection.people import invitations as people
from collection.views.forms.people import InviteForm, RoleCountriesForm

User = get_user_model()


# People pages are for admins only: anonymous users go to the login page, to anyone else the pages do not exist.
admin_only = access.admin_required("No such page.")


@admin_only
@require_GET
def people_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    country = request.GET.get("country", "").upper()
    countries = Country.objects.order_by("name")
    country = country if countries.filter(iso3=country).exists() else ""
    return render(
        request,
        "collection/people_list.html",
        {
            "people": people.people_overview(role=role, country=country),
            "uncovered": people.countries_uncovered(),
            "roles": Role.choices,
            "countries": countries,
            "role": role,
            "country": country,
        },
    )


def _back(request: AuthenticatedHttpRequest) -> str:
    """Where the page came from and goes back to (a region's page), if it is one of the portal's own paths."""
    target = request.POST.get("next") or request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok and target.startswith("/") else ""


@admin_only
def people_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, initial={"countries": request.GET.getlist("country")})
    back = _back(request)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            user = people.user_invite(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                countries=form.country_codes(),
                invited_by=request.user,
            )
        except PortalError as exc:
            existing = people.user_by_email(form.cleaned_data["email"])
            form.add_error("email" if existing else None, exc.message)
        else:
            days = settings.INVITATION_TIMEOUT_DAYS
            messages.success(request, f"Invitation sent to {user.email}. The link works for {days} days.")
            return redirect(back or "people_list")
    return render(
        request,
        "collection/people_invite.html",
        {
            "form": form,
            "existing": existing,
            "existing_state": people.user_invitation_state(existing) if existing else "",
            "timeout_days": settings.INVITATION_TIMEOUT_DAYS,
            "back": back,
        },
    )


@admin_only
def people_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    profile = getattr(person, "profile", None)
    initial = {"role": profile.role if profile else "", "countries": profile.countries.all() if profile else []}
    form = RoleCountriesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.user_assign(
                user=person, role=form.cleaned_data["role"], countries=form.country_codes(), by=request.user
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Saved the role and countries of {person.username}.")
            return redirect("people_edit", pk=person.pk)
    return render(
        request,
        "collection/people_edit.html",
        {
            "person": person,
            "form": form,
            "invitations": person.invitations.select_related("invited_by"),
            "invitation": people.user_invitation_state(person),
            "history": AuditEntry.objects.filter(object_type="user", object_id=str(person.pk))[:20],
            "actions": AuditEntry.objects.filter(actor=person)[:10],
            "is_self": person.pk == request.user.pk,
        },
    )


ACTIONS = {"deactivate", "activate", "resend"}


@admin_only
@require_POST
def people_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    person = get_object_or_404(User, pk=pk)
    try:
        if action == "resend":
            invitation = people.invitation_send(user=person, invited_by=request.user)
            messages.success(
                request,
                f"A new invitation was sent to {person.email}; it expires on {invitation.expires_at:%-d %B %Y}. "
                "Earlier links no longer work.",
            )
        else:
            people.user_set_active(user=person, active=action == "activate", by=request.user)
            done = "active again" if action == "activate" else "deactivated: they can no longer sign in"
            messages.success(request, f"{person.username} is {done}.")
    except PortalError as exc:
        messages.error(request, exc.message)
    return redirect("people_edit", pk=person.pk)


def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed link: set a password, then straight in. Expired, used and forged links get a page saying so."""
    link = people.invitation_open(uidb64=uidb64, token=token)
    if link.state != "valid" or link.user is None or link.invitation is None:  # a valid link has both
        status = 410 if link.state == "expired" else 404
        return render(request, "collection/invitation_accept.html", {"link": link}, status=status)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.user_join(invitation=link.invitation, password=form.cleaned_data["new_password1"])
        except PortalError:  # accepted meanwhile, in another tab
            context = {"link": people.InvitationLink("invalid")}
            return render(request, "collection/invitation_accept.html", context, status=404)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        name = user.get_full_name() or user.username
        messages.success(request, f"Welcome to the ILMS Portal, {name}! Your password is set.")
        return redirect("home")
    return render(request, "collection/invitation_accept.html", {"link": link, "form": form})
