"""Releases as the public and the staff see them (what came out when, what each changed), and the admins'
services that schedule, move and withdraw them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from collection import access
from collection.audit.record import audit_record
from collection.lib.errors import PortalError, WrongState
from collection.lib.numbers import record_id
from collection.lib.users import RequestUser, User
from collection.models import AuditAction, Observation, Release

TITLE_MAX = 200
NOTE_MAX = 5000
CHANGEABLE = ("title", "note", "public_at")


def releases_with_counts(releases: QuerySet[Release]) -> QuerySet[Release]:
    """Each release with what its publications changed: values, new keys, revisions, and its countries."""
    return releases.annotate(
        observation_count=Sum("publications__observation_count"),
        new_count=Sum("publications__new_count"),
        revised_count=Sum("publications__revised_count"),
        unchanged_count=Sum("publications__unchanged_count"),
        submission_count=Count("publications", distinct=True),
    ).prefetch_related("publications__submission__country")


def releases_recent() -> QuerySet[Release]:
    """The releases the public has seen, the latest first."""
    public = Release.objects.filter(Release.public_q(timezone.now()), publications__isnull=False).distinct()
    return releases_with_counts(Release.objects.filter(pk__in=public.values("pk"))).order_by("-public_at", "-id")


def _listed() -> Q:
    """A release worth listing: one an admin scheduled, or one that carries published values (an approval's
    own release has none, and no moment, only inside the transaction that publishes it)."""
    return Q(scheduled=True) | Q(publications__isnull=False)


def releases_visible(*, user: RequestUser) -> QuerySet[Release]:
    """The releases the API answers about: ILO staff every one (scheduled and withdrawn too), anyone else
    those that are out; any other release is unknown to them."""
    listed = Release.objects.filter(_listed())
    if not access.is_reviewer(user):
        listed = listed.filter(Release.public_q(timezone.now()))
    ids = listed.values("pk").distinct()
    return releases_with_counts(Release.objects.filter(pk__in=ids)).order_by("-public_at", "-id")


def releases_calendar(*, user: RequestUser) -> QuerySet[Release]:
    """The release calendar: what is out, and the scheduled releases (upcoming, or withdrawn, marked) which
    everyone may know are coming; what an upcoming one holds is for ILO staff (see release_contents)."""
    ids = Release.objects.filter(_listed()).filter(Q(scheduled=True) | Release.public_q(timezone.now()))
    return releases_with_counts(Release.objects.filter(pk__in=ids.values("pk").distinct())).order_by(
        "-public_at", "-id"
    )


def releases_upcoming() -> QuerySet[Release]:
    """The scheduled releases an approval can still join, the soonest first."""
    return Release.objects.filter(scheduled=True, withdrawn_at__isnull=True, public_at__gt=timezone.now()).order_by(
        "public_at", "id"
    )


@dataclass(frozen=True)
class ReleasedTable:
    """One table of one country a release brought: where its values are read under /data/."""

    indicator: str
    ref_area: str
    values: int


def release_contents(*, user: RequestUser, release: Release) -> list[ReleasedTable]:
    """The tables and countries of a release's values, as far as the reader may know them: everything once it
    is out (or to ILO staff), a focal point's own countries of an embargoed one, nothing else before."""
    values = Observation.objects.filter(publication__release=release)
    if not (release.is_public() or access.is_reviewer(user)):
        values = values.filter(ref_area__in=access.user_countries(user).values("iso3"))
    rows = values.values("indicator", "ref_area").annotate(n=Count("id")).order_by("indicator", "ref_area")
    return [ReleasedTable(indicator=r["indicator"], ref_area=r["ref_area"], values=r["n"]) for r in rows]


def release_tables(releases: list[Release]) -> dict[int, list[str]]:
    """The tables each release's values belong to, in one query for a page of releases."""
    found: dict[int, list[str]] = {r.pk: [] for r in releases}
    pairs = (
        Observation.objects.filter(publication__release__in=[r.pk for r in releases])
        .values_list("publication__release_id", "indicator")
        .distinct()
        .order_by("publication__release_id", "indicator")
    )
    for release_id, indicator in pairs:
        found[release_id].append(indicator)
    return found


def _text(value: str, *, name: str, limit: int, required: bool) -> str:
    """A title or note as the public will read it: trimmed, within its length, no control bytes."""
    text = (value or "").strip()
    if required and not text:
        raise PortalError(f"Give the release a {name}, e.g. “Thailand: 2026 annual return”.")
    if len(text) > limit:
        raise PortalError(f"The {name} has {len(text)} characters; keep it to {limit}.")
    if "\x00" in text:
        raise PortalError(f"The {name} contains a NUL character; remove it.")
    return text


def _moment(public_at: datetime | None) -> datetime:
    """A release's moment is never in the past: vintages answer what the public saw at any past moment, and a
    moment set back would rewrite that. A moment within the current minute means now (what a form can say)."""
    if public_at is None:
        raise PortalError("Give the date and time the release becomes public.")
    if timezone.is_naive(public_at):
        public_at = timezone.make_aware(public_at, timezone.get_current_timezone())
    now = timezone.now()
    if public_at < now.replace(second=0, microsecond=0):
        raise PortalError(
            f"{timezone.localtime(public_at):%d %b %Y %H:%M %Z} is in the past: a release moment is now or later, "
            "since what the public saw before now can no longer change."
        )
    return max(public_at, now)


def _changeable(release: Release, verb: str) -> None:
    """Only a scheduled release still ahead changes: once out, the public has seen it as it is."""
    if not release.scheduled:
        raise WrongState(f"Release “{release.title}” came with one approval, not a schedule; it cannot be {verb}.")
    if release.withdrawn_at is not None:
        raise WrongState(f"Release “{release.title}” was withdrawn; it can no longer be {verb}.")
    if not release.is_upcoming():
        raise WrongState(
            f"Release “{release.title}” came out on {timezone.localtime(release.public_at):%d %b %Y %H:%M %Z}; "
            f"what the public has seen cannot be {verb}."
        )


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M %Z}" if moment else ""


def release_create(*, user: User, title: str, note: str = "", public_at: datetime | None) -> Release:
    """An admin schedules a release: approvals can join it, and its values are embargoed until `public_at`."""
    access.require_admin(user, "Only portal admins can schedule a release.")
    release = Release.objects.create(
        title=_text(title, name="title", limit=TITLE_MAX, required=True),
        note=_text(note, name="note", limit=NOTE_MAX, required=False),
        public_at=_moment(public_at),
        scheduled=True,
        created_by=user,
    )
    audit_record(
        AuditAction.RELEASE_CREATED,
        obj=release,
        actor=user,
        summary=f"Release “{release.title}” scheduled for {_when(release.public_at)}.",
        detail={"public_at": release.public_at.isoformat() if release.public_at else None, "note": release.note},
    )
    return release


def release_change(*, user: User, release: Release, **fields: object) -> Release:
    """An admin changes a scheduled release's title, note or moment (moves it), before its moment."""
    access.require_admin(user, "Only portal admins can change a release.")
    unknown = sorted(set(fields) - set(CHANGEABLE))
    if unknown:
        raise PortalError(f"A release's {', '.join(unknown)} cannot be changed; change its title, note or public_at.")
    with transaction.atomic():  # locked, as an approval joining it locks it
        release = Release.objects.select_for_update().get(pk=release.pk)
        _changeable(release, "changed")
        values: dict[str, object] = {}
        if "title" in fields:
            values["title"] = _text(str(fields["title"] or ""), name="title", limit=TITLE_MAX, required=True)
        if "note" in fields:
            values["note"] = _text(str(fields["note"] or ""), name="note", limit=NOTE_MAX, required=False)
        if "public_at" in fields:
            moment = fields["public_at"]
            values["public_at"] = _moment(moment if isinstance(moment, datetime) or moment is None else None)
        before = {name: getattr(release, name) for name in values}
        changed = {name: value for name, value in values.items() if value != before[name]}
        if not changed:
            return release
        for name, value in changed.items():
            setattr(release, name, value)
        release.save(update_fields=[*changed, "updated_at"])
        shown = {name: _when(v) if isinstance(v, datetime) else v for name, v in before.items() if name in changed}
        moved = f" moved from {shown['public_at']} to {_when(release.public_at)}" if "public_at" in changed else ""
        audit_record(
            AuditAction.RELEASE_CHANGED,
            obj=release,
            actor=user,
            summary=f"Release “{release.title}” changed ({', '.join(changed)}){moved}.",
            detail={
                "before": {k: str(v) for k, v in shown.items()},
                "after": {k: _when(v) if isinstance(v, datetime) else v for k, v in changed.items()},
            },
        )
    return release


def release_withdraw(*, user: User, release: Release) -> Release:
    """An admin withdraws a scheduled release before its moment: it stays listed, marked, and nothing in it
    ever becomes public (its values stay in the master's history)."""
    access.require_admin(user, "Only portal admins can withdraw a release.")
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        _changeable(release, "withdrawn")
        release.withdrawn_at = timezone.now()
        release.save(update_fields=["withdrawn_at", "updated_at"])
        joined = release.publications.count()
        audit_record(
            AuditAction.RELEASE_WITHDRAWN,
            obj=release,
            actor=user,
            summary=f"Release “{release.title}” of {_when(release.public_at)} withdrawn"
            + (f"; the values of its {joined} submission(s) never become public." if joined else "."),
            detail={"public_at": _when(release.public_at), "submissions": joined},
        )
    return release


def release_chosen(value: str | None) -> Release | None:
    """The release a reviewer's approval names (its id as the form sends it); empty: none, public once
    published. Whether it can still be joined is the approval's to decide (review.decisions.release_joinable)."""
    text = (value or "").strip()
    if not text:
        return None
    pk = record_id(text)
    release = Release.objects.filter(pk=pk).first() if pk is not None else None
    if release is None:
        raise PortalError(
            "No such release: choose an upcoming release, or none to make the values public once published."
        )
    return release


def release_approval_summary(release: Release | None) -> str:
    """What an approval's choice means for the public, in the reviewer's confirmation."""
    if release is None:
        return "Its values are public as soon as the worker has published them."
    return f"Its values join release “{release.title}” and become public on {_when(release.public_at)}."


def release_countries(release: Release) -> list[str]:
    """The names of the countries whose submissions a release carries (read from releases_with_counts'
    prefetch: no query per release)."""
    return sorted({p.submission.country.name for p in release.publications.all()})
