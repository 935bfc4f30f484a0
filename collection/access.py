"""Who may see and do what: every view, endpoint and service asks here, so each rule has one home.

The questions (`may_upload`, `may_comment`, `submission_rights`), the guards of services (`require_admin`,
`require_staff`) and of web pages (`staff_required`, `admin_required`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from collection.lib.errors import NotAllowed
from collection.lib.users import RequestUser
from collection.models import Country, Role, Round, Submission

View = Callable[..., HttpResponseBase]
S = Submission.Status


def user_role(user: RequestUser) -> Role | None:
    """The portal role; a Django superuser without a profile counts as an admin."""
    if not user.is_authenticated or not user.is_active:
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return Role(profile.role)
    return Role.ADMIN if user.is_superuser else None


def is_focal_point(user: RequestUser) -> bool:
    return user_role(user) == Role.FOCAL_POINT


def is_reviewer(user: RequestUser) -> bool:
    """Reviewers and admins (ILO staff) review submissions."""
    return user_role(user) in {Role.REVIEWER, Role.ADMIN}


def is_admin(user: RequestUser) -> bool:
    return user_role(user) == Role.ADMIN


def user_countries(user: RequestUser) -> QuerySet[Country]:
    """The countries whose work the user may see: a focal point's own, every country for ILO staff."""
    role = user_role(user)
    if role is None or not user.is_authenticated:  # a role implies a sign-in: the second test is for mypy
        return Country.objects.none()
    if role == Role.FOCAL_POINT:
        return user.profile.countries.all()
    return Country.objects.all()


def upload_countries(user: RequestUser) -> QuerySet[Country]:
    """Focal points upload for their countries; admins may upload on a country's behalf; reviewers do not."""
    role = user_role(user)
    if role == Role.FOCAL_POINT and user.is_authenticated:  # a role implies a sign-in: the test is for mypy
        return user.profile.countries.all()
    if role == Role.ADMIN:
        return Country.objects.all()
    return Country.objects.none()


def may_upload(user: RequestUser, country: Country | str) -> bool:
    """Whether the user may send data for the country (a Country or its ISO3): upload, enter, describe, submit."""
    return upload_countries(user).filter(pk=getattr(country, "pk", country)).exists()


def may_upload_any(user: RequestUser) -> bool:
    """Whether the user uploads for some country at all (the upload page and the home page's rounds)."""
    return upload_countries(user).exists()


def may_comment(user: RequestUser, submission: Submission) -> bool:
    """Reviewers (and admins) and the country's focal points talk about a submission's tables."""
    if is_reviewer(user):
        return True
    return is_focal_point(user) and user_countries(user).filter(pk=submission.country_id).exists()


@dataclass(frozen=True)
class SubmissionRights:
    """What the viewer may do on a submission's page now; the page offers a control only where it says yes
    (the services still decide). Named as the page's template reads them."""

    can_upload: bool  # for the submission's country: the rest of a focal point's actions follow from it
    upload_again: bool  # an invalid or returned file is corrected and uploaded again
    can_explain: bool
    can_submit: bool
    can_review: bool
    is_reviewer: bool
    can_comment: bool
    can_describe_sources: bool


def submission_rights(user: RequestUser, submission: Submission) -> SubmissionRights:
    """The permission matrix of a submission's page: the viewer's role and country against its status."""
    uploads = may_upload(user, submission.country_id)
    reviewer = is_reviewer(user)
    status = submission.status
    return SubmissionRights(
        can_upload=uploads,
        upload_again=uploads and status in (S.INVALID, S.RETURNED),
        can_explain=uploads and status in S.explainable(),
        can_submit=uploads and status == S.VALID,
        can_review=reviewer and status == S.SUBMITTED,
        is_reviewer=reviewer,
        can_comment=may_comment(user, submission),
        can_describe_sources=uploads and status in S.editable(),
    )


def require_admin(user: RequestUser, message: str) -> None:
    """The guard of an admin-only service: NotAllowed with the service's own words for anyone else."""
    if not is_admin(user):
        raise NotAllowed(message)


def require_staff(user: RequestUser, message: str) -> None:
    """The guard of a service for ILO staff (reviewers and admins): NotAllowed with its own words."""
    if not is_reviewer(user):
        raise NotAllowed(message)


def _page_guard(allowed: Callable[[RequestUser], bool], message: str) -> Callable[[View], View]:
    """Sign-in first (anonymous visitors go to the login page), then a 404 that confirms nothing to whoever
    `allowed` refuses, before the view runs (and before any check of the method it is wrapped in)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                raise Http404(message) if message else Http404
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def staff_required(message: str = "") -> Callable[[View], View]:
    """A page for ILO staff (reviewers and admins): the one guard of every such web view."""
    return _page_guard(is_reviewer, message)


def admin_required(message: str = "") -> Callable[[View], View]:
    """A page for portal admins: the one guard of every such web view."""
    return _page_guard(is_admin, message)


def visible_submissions(user: RequestUser) -> QuerySet[Submission]:
    """Submissions the user may see; anything else is a 404 to them."""
    return Submission.objects.filter(country__in=user_countries(user))


def visible_rounds(user: RequestUser) -> QuerySet[Round]:
    """Admins see every round; others see the non-draft rounds that include one of their countries."""
    if is_admin(user):
        return Round.objects.all()
    countries = user_countries(user)
    return Round.objects.exclude(status=Round.Status.DRAFT).filter(countries__in=countries).distinct()


def upload_rounds(user: RequestUser) -> QuerySet[Round]:
    """Rounds an upload may name: those the user sees, and the drafts of the countries they upload for (the
    upload is then refused with the round's own reason); any other round is unknown to them."""
    if is_admin(user):
        return Round.objects.all()
    drafts = Round.objects.filter(status=Round.Status.DRAFT, countries__in=upload_countries(user))
    return Round.objects.filter(Q(pk__in=visible_rounds(user).values("pk")) | Q(pk__in=drafts.values("pk")))


def sees_country(user: RequestUser, iso3: str) -> bool:
    """Whether the user may see a country's work beyond what is public: ILO staff any, a focal point their own."""
    return user_countries(user).filter(iso3=str(iso3).upper()).exists()


def staff_round(user: RequestUser, round_id: int) -> Round:
    """A round ILO staff (reviewers, admins) may look at; focal points and unknown rounds get a 404."""
    round_ = visible_rounds(user).filter(pk=round_id).first() if is_reviewer(user) else None
    if round_ is None:
        raise Http404("No such round.")
    return round_


def round_country(user: RequestUser, round_id: int, iso3: str) -> tuple[Round, Country]:
    """A round and one of its countries that the user may work on or read; anything else is a 404."""
    round_ = visible_rounds(user).filter(pk=round_id).first()
    country = user_countries(user).filter(iso3=str(iso3).upper()).first()
    if round_ is None or country is None or not round_.countries.filter(pk=country.pk).exists():
        raise Http404("No such round for this country.")
    return round_, country
