"""Who may see and do what: every view and endpoint asks here, so the per-country rule has one home."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from collection.models import Country, Role, Round, Submission

User = AbstractBaseUser | AnonymousUser


def user_role(user: User) -> Role | None:
    """The portal role; a Django superuser without a profile counts as an admin."""
    if not user.is_authenticated or not user.is_active:
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return Role(profile.role)
    return Role.ADMIN if user.is_superuser else None


def is_focal_point(user: User) -> bool:
    return user_role(user) == Role.FOCAL_POINT


def is_reviewer(user: User) -> bool:
    """Reviewers and admins (ILO staff) review submissions."""
    return user_role(user) in {Role.REVIEWER, Role.ADMIN}


def is_admin(user: User) -> bool:
    return user_role(user) == Role.ADMIN


def user_countries(user: User) -> QuerySet[Country]:
    """The countries whose work the user may see: a focal point's own, every country for ILO staff."""
    role = user_role(user)
    if role is None:
        return Country.objects.none()
    if role == Role.FOCAL_POINT:
        return user.profile.countries.all()
    return Country.objects.all()


def upload_countries(user: User) -> QuerySet[Country]:
    """Focal points upload for their countries; admins may upload on a country's behalf; reviewers do not."""
    role = user_role(user)
    if role == Role.FOCAL_POINT:
        return user.profile.countries.all()
    if role == Role.ADMIN:
        return Country.objects.all()
    return Country.objects.none()


def visible_submissions(user: User) -> QuerySet[Submission]:
    """Submissions the user may see; anything else is a 404 to them."""
    return Submission.objects.filter(country__in=user_countries(user))


def visible_rounds(user: User) -> QuerySet[Round]:
    """Admins see every round; others see the non-draft rounds that include one of their countries."""
    if is_admin(user):
        return Round.objects.all()
    countries = user_countries(user)
    return Round.objects.exclude(status=Round.Status.DRAFT).filter(countries__in=countries).distinct()


def upload_rounds(user: User) -> QuerySet[Round]:
    """Rounds an upload may name: those the user sees, and the drafts of the countries they upload for (the
    upload is then refused with the round's own reason); any other round is unknown to them."""
    if is_admin(user):
        return Round.objects.all()
    drafts = Round.objects.filter(status=Round.Status.DRAFT, countries__in=upload_countries(user))
    return Round.objects.filter(Q(pk__in=visible_rounds(user).values("pk")) | Q(pk__in=drafts.values("pk")))


def sees_country(user: User, iso3: str) -> bool:
    """Whether the user may see a country's work beyond what is public: ILO staff any, a focal point their own."""
    return user_countries(user).filter(iso3=str(iso3).upper()).exists()


def staff_round(user: User, round_id: int) -> Round:
    """A round ILO staff (reviewers, admins) may look at; focal points and unknown rounds get a 404."""
    round_ = visible_rounds(user).filter(pk=round_id).first() if is_reviewer(user) else None
    if round_ is None:
        raise Http404("No such round.")
    return round_


def round_country(user: User, round_id: int, iso3: str) -> tuple[Round, Country]:
    """A round and one of its countries that the user may work on or read; anything else is a 404."""
    round_ = visible_rounds(user).filter(pk=round_id).first()
    country = user_countries(user).filter(iso3=str(iso3).upper()).first()
    if round_ is None or country is None or not round_.countries.filter(pk=country.pk).exists():
        raise Http404("No such round for this country.")
    return round_, country
