"""Creating portal users with a role and, for focal points, their countries."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from collection.lib.errors import PortalError
from collection.lib.users import User
from collection.models import Country, Profile, Role


def password_check(password: str, user: User) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), wherever a password is set: their messages as
    one sentence each, so a command or a service refuses as the forms do."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise PortalError("This password is not accepted: " + " ".join(exc.messages)) from exc


@transaction.atomic
def user_create_or_update(
    *,
    username: str,
    role: str,
    countries: list[str] | None = None,
    email: str = "",
    password: str | None = None,
    name: str = "",
) -> User:
    """Create the user or update their role; admins get Django admin access, focal points need a country.
    Changes are audited by collection/signals.py, wherever they are made."""
    countries = [c.upper() for c in countries or []]
    if role not in Role.values:
        raise PortalError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    if role == Role.FOCAL_POINT and not countries:
        raise PortalError("A focal point needs at least one country (--country ISO3).")
    found = Country.objects.filter(iso3__in=countries)
    unknown = sorted(set(countries) - {c.iso3 for c in found})
    if unknown:
        raise PortalError(f"Unknown country code(s): {', '.join(unknown)}. Run load_catalogue first?")
    user, _ = User.objects.get_or_create(username=username)
    if email:
        user.email = email
    if name:
        # One field for the whole name: a first/last split does not fit many naming customs.
        user.first_name, user.last_name = name[:150], ""
    if password:
        password_check(password, user)  # after the e-mail and name: the validators compare the password with them
        user.set_password(password)
    elif not user.password:
        # Only a new user: re-making an unusable password would kill a pending invitation link.
        user.set_unusable_password()
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save()
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role})
    profile.countries.set(found if role == Role.FOCAL_POINT else [])
    return user
