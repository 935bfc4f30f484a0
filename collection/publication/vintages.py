"""What the public saw: the one reader of the master table for every public answer, now or at a past moment.

A value is public from its release's moment (`Release.public_at`) and stays the public value of its key until a
version approved later becomes public; a withdrawn release never is. The master's `is_current` marks the newest
approved version, which an embargo may still hide, so a public read never trusts `is_current` alone: it picks,
per key, the latest approved version whose release is public at the moment asked about. The clock decides at
the moment of the read, so nothing has to run when an embargo ends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Q, QuerySet, Sum, Value, Window
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
# What a slice shows in place of its held-back values is kept (see _held_back_instead) up to this many ids, for
# a day at most (the public state it was read in has usually moved on by then).
MAX_KEPT_IDS = 50_000
KEPT_SECONDS = 24 * 3600
TOO_MANY = "too many"
MAX_RUNS = 64  # ranges of ids in one condition, beyond which a list of them is the shorter


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
        public, held_back = _publications_seen(timezone.now())
        if not held_back:
            return base.filter(is_current=True)
        instead = _held_back_instead(base, held_back, (len(public), max(public, default=0), sum(public)))
        if instead is None:  # so many cells held back that ranking the whole slice is the shorter query
            return Observation.objects.filter(pk__in=_latest_public(base, timezone.now()).values("pk"))
        # Two disjoint parts: the current values not held back, and for a held-back key the version the public
        # sees instead (a current one is either public, and in the first part, or held).
        return base.filter((Q(is_current=True) & ~Q(publication_id__in=held_back)) | _ids_q(instead))
    return Observation.objects.filter(pk__in=_latest_public(base, at).values("pk"))


def _publications_seen(at: datetime) -> tuple[list[int], list[int]]:
    """The ids of the publications public at `at` and of those that are not (embargoed or withdrawn), in one
    query (each was one; a page's query count is a test)."""
    public = Q(release__public_at__lte=at, release__withdrawn_at__isnull=True)
    rows = Publication.objects.annotate(seen=ExpressionWrapper(public, output_field=BooleanField())).values_list(
        "pk", "seen"
    )
    seen: list[int] = []
    hidden: list[int] = []
    for pk, is_public in rows:
        (seen if is_public else hidden).append(pk)
    return seen, hidden


def _held_back_instead(
    base: QuerySet[Observation], held_back: list[int], fingerprint: tuple[int, int, int]
) -> list[int] | None:
    """The ids of the versions the public sees now in place of the held-back current values of `base` (none
    for a key the public has never seen), None when more than MAX_HELD_CELLS cells are held back. Ranking them
    is most of a read's time with an embargo pending, and the answer changes only with the public
    publications and the held-back ones, so it is kept under those (as a page's count is, api.pagination)."""
    key = "held:" + hashlib.sha256(repr((str(base.query), held_back, fingerprint)).encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, list) or found == TOO_MANY:
        return None if found == TOO_MANY else found
    cells = list(
        base.filter(is_current=True, publication_id__in=held_back)
        .values_list("ref_area", "indicator", "time")
        .distinct()[: MAX_HELD_CELLS + 1]
    )
    instead: list[int] | None = []
    if len(cells) > MAX_HELD_CELLS:
        instead = None
    elif cells:
        held_cells = reduce(or_, (Q(ref_area=a, indicator=i, time=t) for a, i, t in cells))
        ranked = _latest_public(base.filter(held_cells), timezone.now())
        instead = [pk for pk, current in ranked.values_list("pk", "is_current") if not current]
    if instead is None or len(instead) <= MAX_KEPT_IDS:
        cache.set(key, TOO_MANY if instead is None else instead, KEPT_SECONDS)
    return instead


def _ids_q(ids: list[int]) -> Q:
    """`pk IN ids`, as ranges of consecutive ids where they run on (a publication's rows are written together, so
    a few ranges say thousands of ids): a list of thousands was most of the plan's time and a check per row."""
    if not ids:
        return Q(pk__in=[])
    runs: list[list[int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    if len(runs) > MAX_RUNS:
        return Q(pk__in=ids)
    return reduce(or_, (Q(pk=a) if a == b else Q(pk__range=(a, b)) for a, b in runs))


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


def public_fingerprint(at: datetime | None = None) -> tuple[int, int, int]:
    """Which publications are public at `at` (now when None), in three numbers (how many, the largest id, the sum
    of the ids): a publication's rows never change once published, and the public answer at a moment is made of
    the public publications' rows alone (a held-back one hides nothing the public saw), so an answer computed
    for one fingerprint stays right until it changes (the set only grows: a release's moment is never set in
    the past, and only a release still ahead can be withdrawn)."""
    found = Publication.objects.filter(Release.public_q(at or timezone.now(), "release__")).aggregate(
        n=Count("id"), top=Max("id"), total=Sum("id")
    )
    return found["n"], found["top"] or 0, found["total"] or 0


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
    query for the page's history rows, read as tuples (a model per version cost a second a page). A row whose
    release is not public yet is compared with what the public sees now."""
    if not rows:
        return {}
    moment = at or timezone.now()
    width = len(KEY_COLUMNS)
    keys = {tuple(getattr(r, c) for c in KEY_COLUMNS) for r in rows}
    # Only history rows: a version approved before another of its key is never the current one (the current
    # value is the latest approved), so a current row is nobody's predecessor; most keys have no history.
    versions = (
        Observation.objects.filter(
            is_current=False,
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
