"""What the public saw: the one reader of the master table for every public answer, now or at a past moment.

A value is public from its release's moment (`Release.public_at`) and stays the public value of its key until a
version approved later becomes public; a withdrawn release never is. The master's `is_current` marks the newest
approved version, which an embargo may still hide, so a public read never trusts `is_current` alone: it picks,
per key, the latest approved version whose release is public at the moment asked about. The clock decides at
the moment of the read, so nothing has to run when an embargo ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import F, Max, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from collection import access
from collection.lib.errors import PortalError
from collection.lib.numbers import record_id
from collection.lib.users import RequestUser
from collection.models import KEY_COLUMNS, Observation, Publication, Release

# The order of approval decides which version of a key is the later one, as at publication (see publish).
APPROVAL_ORDER = (
    Coalesce(F("publication__approved_at"), F("publication__published_at")).desc(),
    Coalesce(F("publication__approval_id"), Value(0)).desc(),
    F("id").desc(),
)


# Above this many held-back cells in a slice, ranking the whole slice is the shorter query.
MAX_HELD_CELLS = 400


def hidden_releases(at: datetime) -> QuerySet[Release]:
    """Releases with values in the master that the public does not see at `at`: embargoed or withdrawn."""
    return Release.objects.filter(publications__isnull=False).exclude(Release.public_q(at)).distinct()


def public_versions(base: QuerySet[Observation], at: datetime | None = None) -> QuerySet[Observation]:
    """Of the versions in `base`, the one per key the public saw at `at` (now when None).

    `base` may be filtered on key columns only (indicator, ref_area, time, ...): a filter on a value, flag or
    note must apply to the version chosen, so it goes on the result.

    Now, a current value whose release is public is the answer for its key (it is the latest approved), so only
    the cells (area, table, year) where an embargo holds a current value back are ranked; with none held back
    the answer is the current rows alone (read by their index). At a past moment every version in `base` is
    ranked. Ranking whole cells, rather than probing each version for a held-back key, keeps one sort of a few
    thousand rows instead of an index probe per version (see README, Speed)."""
    if at is None:
        held_back = list(hidden_releases(timezone.now()).values_list("publications__pk", flat=True))
        if not held_back:
            return base.filter(is_current=True)
        cells = list(
            base.filter(is_current=True, publication_id__in=held_back)
            .values_list("ref_area", "indicator", "time")
            .distinct()[: MAX_HELD_CELLS + 1]
        )
        if not cells:
            return base.filter(is_current=True)
        if len(cells) > MAX_HELD_CELLS:
            return Observation.objects.filter(pk__in=_latest_public(base, timezone.now()).values("pk"))
        held_cells = reduce(or_, (Q(ref_area=a, indicator=i, time=t) for a, i, t in cells))
        ranked = _latest_public(base.filter(held_cells), timezone.now())
        return base.filter((Q(is_current=True) & ~held_cells) | Q(pk__in=ranked.values("pk")))
    return Observation.objects.filter(pk__in=_latest_public(base, at).values("pk"))


def _latest_public(versions: QuerySet[Observation], at: datetime) -> QuerySet[Observation]:
    """Per key, the version approved last among those public at `at`."""
    return (
        versions.filter(publication_id__in=_public_publications(at))
        .annotate(version_rank=Window(RowNumber(), partition_by=[F(c) for c in KEY_COLUMNS], order_by=APPROVAL_ORDER))
        .filter(version_rank=1)
    )


def _public_publications(at: datetime) -> list[int]:
    """The publications whose release is public at `at`, as ids: a join to them makes the planner intersect a
    bitmap of the publication index over millions of rows (EXPLAIN on the benchmark's master)."""
    return list(Publication.objects.filter(Release.public_q(at, "release__")).values_list("pk", flat=True))


def seen_versions(user: RequestUser, base: QuerySet[Observation], at: datetime | None = None) -> QuerySet[Observation]:
    """What the user reads: at a past moment, what the public saw; otherwise ILO staff read the current values
    (embargoed ones included, marked by their release) and a focal point their own countries' current values
    beside the public values of the others."""
    if at is not None:
        return public_versions(base, at)
    if access.is_reviewer(user):
        return base.filter(is_current=True)
    own = list(access.user_countries(user).values_list("iso3", flat=True))
    if not own:
        return public_versions(base)
    others = public_versions(base.exclude(ref_area__in=own)).values("pk")
    return base.filter(Q(is_current=True, ref_area__in=own) | Q(pk__in=others))


def vintage_moment(*, as_of: str | None = None, as_of_release: str | None = None) -> datetime | None:
    """The moment `as_of` (an ISO date or date and time; a date means its end; a later moment than now means
    now) or `as_of_release` (the moment that release became public) names; None when neither is given. A bad
    value is a sentence, not a guess."""
    if as_of and as_of_release:
        raise PortalError("Give either as_of or as_of_release, not both.")
    if as_of_release:
        pk = record_id(as_of_release)
        release = Release.objects.filter(pk=pk).first() if pk is not None else None
        if release is None or not release.is_public():
            raise PortalError(f"as_of_release={as_of_release}: no such release has been made public.")
        return release.public_at
    if not as_of:
        return None
    try:
        day = parse_date(as_of) if len(as_of) == 10 else None  # a date alone means the whole of that day
        # A '+' left unescaped in a query string arrives as a space.
        moment = datetime.combine(day, time.max) if day else parse_datetime(as_of.replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise PortalError(
            f"as_of={as_of}: give an ISO 8601 date or date and time, e.g. 2026-06-30 or 2026-06-30T09:00:00Z."
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    # The future is not public yet: as of a later moment is what the public sees now (an embargoed release due
    # before that moment must not show).
    return min(moment, timezone.now())


@dataclass(frozen=True)
class PublicState:
    """What the public sees at a moment changes only when a release becomes public: its count and the latest
    moment identify the state (an ETag), and that moment is when it last changed (Last-Modified)."""

    releases: int
    last_public_at: datetime | None

    @property
    def tag(self) -> str:
        stamp = self.last_public_at.timestamp() if self.last_public_at else 0
        return f"{self.releases}-{stamp:.6f}"


def public_state(at: datetime | None = None) -> PublicState:
    """The public state at `at` (now when None). A release's moment is never set in the past (see the release
    services), so the state only grows: a cached answer stays right until the next release comes out."""
    moment = at or timezone.now()
    public = Release.objects.filter(Release.public_q(moment), publications__isnull=False)
    return PublicState(
        releases=public.values("pk").distinct().count(), last_public_at=public.aggregate(m=Max("public_at"))["m"]
    )


@dataclass(frozen=True)
class Earlier:
    """A version's public predecessor: the value the public saw before it, and when this one replaced it."""

    value: Decimal | None
    revised_on: datetime | None


def earlier_versions(rows: list[Observation], at: datetime | None = None) -> dict[int, Earlier]:
    """For each row (a page of answers), the version of its key the public saw just before it, if any: one
    query for the page, read as tuples (a model per version cost a second a page). A row whose release is not
    public yet is compared with what the public sees now."""
    if not rows:
        return {}
    moment = at or timezone.now()
    width = len(KEY_COLUMNS)
    keys = {tuple(getattr(r, c) for c in KEY_COLUMNS) for r in rows}
    versions = (
        Observation.objects.filter(
            publication_id__in=_public_publications(moment),
            **{f"{c}__in": {getattr(r, c) for r in rows} for c in KEY_COLUMNS},
        )
        .order_by(*APPROVAL_ORDER)
        .values_list(*KEY_COLUMNS, "pk", "obs_value")
    )
    by_key: dict[tuple[str, ...], list[tuple[int, Decimal | None]]] = {}
    for version in versions:
        key = tuple(version[:width])
        if key in keys:
            by_key.setdefault(key, []).append((version[width], version[width + 1]))
    found: dict[int, Earlier] = {}
    for row in rows:
        history = by_key.get(tuple(getattr(row, c) for c in KEY_COLUMNS), [])
        ids = [pk for pk, _ in history]
        before = history[ids.index(row.pk) + 1 :] if row.pk in ids else history
        if before and before[0][0] != row.pk:
            public_at = row.publication.release.public_at if row.publication_id else None
            found[row.pk] = Earlier(value=before[0][1], revised_on=public_at)
    return found
