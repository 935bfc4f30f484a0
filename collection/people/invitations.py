"""Focal points and ILO staff: invitations by e-mail, role and countries, deactivation, and the admins' overview.

Changes to users, roles and countries are audited by signals.py wherever they happen; this module records only
what no field change shows: an invitation sent (USER_INVITED) and accepted (USER_JOINED)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from collection.audit.record import audit_record
from collection.lib.errors import PortalError
from collection.lib.links import portal_link
from collection.lib.users import User
from collection.models import AuditAction, AuditEntry, Country, Invitation, Profile, Role
from collection.people.accounts import password_check, user_create_or_update

NEWEST_FIRST = ("-sent_at", "-pk")  # a person's latest invitation (two sent in one instant: the later row)
InvitationState = Literal["pending", "expired", "accepted", ""]


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Signs invitation links. Its own salt keeps them apart from password-reset links; the latest invitation's
    id in the hash retires older links when one is resent; setting a password (or signing in) retires them all."""

    key_salt = "collection.people.InvitationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        latest = user.invitations.order_by(*NEWEST_FIRST).values_list("pk", flat=True).first()
        return f"{super()._make_hash_value(user, timestamp)}{latest}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Whether the link was signed for the user as they are now. How long it lasts is the invitation's
        expires_at (see invitation_open), not PASSWORD_RESET_TIMEOUT, so that an old link can say 'expired'."""
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


@dataclass(frozen=True)
class InvitationLink:
    """Where an invitation link leads: `valid` (set a password), `expired` (ask for a new one) or `invalid`."""

    state: Literal["valid", "expired", "invalid"]
    user: User | None = None
    invitation: Invitation | None = None


def invitation_url(user: User) -> str:
    """The absolute link of the user's latest invitation (PORTAL_URL: e-mails are sent outside a request)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return portal_link("invitation_accept", uidb64=uidb64, token=invitation_tokens.make_token(user))


def user_by_email(email: str) -> User | None:
    """The account that already uses this address, as an e-mail or as a username (invitees sign in with it)."""
    email = email.strip()
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()


@transaction.atomic
def invitation_send(*, user: User, invited_by: User) -> Invitation:
    """Send (or send again) an invitation: a new row and a new link; older links stop working."""
    if not user.is_active:
        raise PortalError(f"{user.username} is deactivated; reactivate them before inviting them again.")
    if user.has_usable_password():
        raise PortalError(
            f"{user.username} has already set a password. If they forgot it, they can use “Forgot your password?” "
            "on the sign-in page."
        )
    if not user.email:
        raise PortalError(f"{user.username} has no e-mail address to send the invitation to.")
    now = timezone.now()
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        sent_at=now,
        expires_at=now + dt.timedelta(days=settings.INVITATION_TIMEOUT_DAYS),
    )
    profile = getattr(user, "profile", None)
    countries = profile_countries(profile)
    context = {
        "user": user,
        "invited_by": invited_by,
        "role": profile.role if profile else "",
        "countries": list(profile.countries.order_by("name").values_list("name", flat=True)) if profile else [],
        "link": invitation_url(user),
        "expires_at": invitation.expires_at,
        "portal_url": settings.PORTAL_URL,
    }
    subject = " ".join(render_to_string("email/invitation_subject.txt", context).split())
    try:
        send_mail(subject, render_to_string("email/invitation.txt", context), None, [user.email])
    except OSError as exc:  # SMTP errors included; the invitation row is rolled back with the transaction
        raise PortalError(f"The invitation e-mail could not be sent ({exc}). Try again later.") from exc
    resent = user.invitations.count() > 1
    audit_record(
        AuditAction.USER_INVITED,
        obj=user,
        summary=f"{'Sent a new invitation to' if resent else 'Invited'} {user.email}.",
        country=countries[0] if len(countries) == 1 else "",
        detail={
            "role": profile.role if profile else None,
            "countries": countries,
            "resent": resent,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return invitation


@transaction.atomic
def user_invite(*, email: str, name: str, role: str, countries: list[str], invited_by: User) -> User:
    """Create the account (signed in only once the invitee sets a password) and e-mail the invitation."""
    email = email.strip().lower()
    if user_by_email(email) is not None:
        raise PortalError(f"Someone already has an account with {email}.")
    user = user_create_or_update(username=email, role=role, countries=countries, email=email, name=name)
    invitation_send(user=user, invited_by=invited_by)
    return user


def invitation_open(*, uidb64: str, token: str) -> InvitationLink:
    """Read an invitation link; anything malformed, forged, used or superseded is simply `invalid`."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return InvitationLink("invalid")
    if not 0 < pk < 2**63:
        return InvitationLink("invalid")
    user = User.objects.filter(pk=pk, is_active=True).first()
    invitation = user.invitations.order_by(*NEWEST_FIRST).first() if user else None
    if (
        user is None
        or invitation is None
        or invitation.accepted_at is not None
        or user.has_usable_password()
        or not invitation_tokens.check_token(user, token)
    ):
        return InvitationLink("invalid")
    if invitation.expires_at <= timezone.now():
        return InvitationLink("expired", user, invitation)
    return InvitationLink("valid", user, invitation)


@transaction.atomic
def user_join(*, invitation: Invitation, password: str) -> User:
    """The invitee sets their password (one the validators accept): the invitation is accepted, once."""
    password_check(password, invitation.user)
    if not Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=timezone.now()):
        raise PortalError("This invitation has already been used.")
    user = invitation.user
    user.set_password(password)
    user.save()
    audit_record(AuditAction.USER_JOINED, obj=user, actor=user, summary=f"{user.username} accepted the invitation.")
    return user


def user_assign(*, user: User, role: str, countries: list[str], by: User) -> None:
    """Change a person's role and countries (yours only through another admin, so no one locks themselves out)."""
    current = getattr(getattr(user, "profile", None), "role", None)
    if user.pk == by.pk and role != current:
        raise PortalError("You cannot change your own role; ask another admin.")
    user_create_or_update(username=user.username, role=role, countries=countries)


def user_set_active(*, user: User, active: bool, by: User) -> None:
    """Deactivate (they can no longer sign in; nothing they did is lost) or reactivate someone."""
    if user.pk == by.pk:
        raise PortalError("You cannot deactivate or reactivate your own account.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])


def invitation_state(
    *, accepted_at: dt.datetime | None, expires_at: dt.datetime | None, password: str
) -> InvitationState:
    """Accepted, pending or expired by the latest invitation; empty for accounts made with a password."""
    if accepted_at is not None:
        return "accepted"
    if expires_at is None or not password.startswith(UNUSABLE_PASSWORD_PREFIX):
        return ""
    return "pending" if expires_at > timezone.now() else "expired"


def people_overview(*, role: str = "", country: str = "") -> Sequence[User]:
    """Everyone, with role, countries, latest invitation and latest action: one query for the people (the
    latest action and invitation as subqueries) and one for their countries."""
    actions = AuditEntry.objects.filter(actor=OuterRef("pk")).order_by("-at", "-id")
    invitations = Invitation.objects.filter(user=OuterRef("pk")).order_by(*NEWEST_FIRST)
    people = (
        User.objects.select_related("profile")
        .prefetch_related("profile__countries")
        .annotate(
            last_action_at=Subquery(actions.values("at")[:1]),
            last_action=Subquery(actions.values("summary")[:1]),
            invitation_expires_at=Subquery(invitations.values("expires_at")[:1]),
            invitation_accepted_at=Subquery(invitations.values("accepted_at")[:1]),
        )
        .order_by("-is_active", "username")
    )
    if role == Role.ADMIN:  # a Django superuser without a profile counts as an admin (access.user_role)
        people = people.filter(Q(profile__role=role) | Q(profile__isnull=True, is_superuser=True))
    elif role in Role.values:
        people = people.filter(profile__role=role)
    if country:
        people = people.filter(profile__countries__iso3=country)
    rows = list(people)
    for person in rows:
        profile = getattr(person, "profile", None)
        # Read by the overview's template beside the model's own fields.
        person.__dict__.update(
            role=Role(profile.role) if profile else (Role.ADMIN if person.is_superuser else None),
            country_codes=profile_countries(profile),
            invitation=invitation_state(
                accepted_at=person.invitation_accepted_at,
                expires_at=person.invitation_expires_at,
                password=person.password,
            ),
        )
    return rows


def user_invitation_state(user: User) -> InvitationState:
    latest = user.invitations.order_by(*NEWEST_FIRST).first()
    if latest is None:
        return invitation_state(accepted_at=None, expires_at=None, password=user.password)
    return invitation_state(accepted_at=latest.accepted_at, expires_at=latest.expires_at, password=user.password)


def countries_uncovered() -> QuerySet[Country]:
    """Countries with no active focal point who can sign in; `pending` counts those still to accept."""
    focal = Q(focal_points__role=Role.FOCAL_POINT, focal_points__user__is_active=True)
    waiting = Q(focal_points__user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
    return (
        Country.objects.annotate(
            ready=Count("focal_points", filter=focal & ~waiting),
            pending=Count("focal_points", filter=focal & waiting),
        )
        .filter(ready=0)
        .order_by("name")
    )


def profile_countries(profile: Profile | None) -> list[str]:
    """The ISO3 codes of a profile's countries (from the prefetch when there is one)."""
    return sorted(c.iso3 for c in profile.countries.all()) if profile else []
