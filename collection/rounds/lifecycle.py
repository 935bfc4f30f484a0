"""A consultation round's life: create or copy, open, extend, close, reopen one country, archive.

Every change is recorded in the audit log, and whether a country may upload is decided here only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from collection import access
from collection.audit.record import audit_record
from collection.lib.errors import PortalError, WrongState
from collection.lib.moves import Move
from collection.lib.users import User
from collection.models import AuditAction, Country, Region, Round, RoundCountry, TableDefinition
from collection.rounds.regions import round_region_check
from collection.rounds.signals import round_opened

R = Round.Status

# Which status each action may start from, where it leads, and what the audit log calls it.
MOVES: dict[str, Move] = {
    "open": Move(frozenset({R.DRAFT}), R.OPEN, AuditAction.ROUND_OPENED),
    "close": Move(frozenset({R.OPEN}), R.CLOSED, AuditAction.ROUND_CLOSED),
    "reopen": Move(frozenset({R.CLOSED}), R.OPEN, AuditAction.ROUND_REOPENED),
    "archive": Move(frozenset({R.CLOSED}), R.ARCHIVED, AuditAction.ROUND_ARCHIVED),
}
DONE = {"open": "opened", "close": "closed", "reopen": "reopened", "archive": "archived"}
# Each move's button, and what the admin is told before confirming it (the round page and the API's docs).
MOVE_BUTTONS = {
    "open": ("Open the round", "Focal points are e-mailed and can upload from now on."),
    "close": ("Close the round", "No more uploads. You can still reopen it for one country afterwards."),
    "reopen": ("Reopen the round", "Every country of the round can upload again until you close it."),
    "archive": ("Archive the round", "Final: an archived round no longer changes and never takes uploads again."),
}


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


# The guard of every service below that changes a round.
_admin_only = partial(access.require_admin, message="Only admins run consultation rounds.")


def round_deadline(round_: Round, country: Country | str) -> dt.date:
    """The deadline that holds for one country: the round's, or a later one granted to the country."""
    iso3 = getattr(country, "iso3", country)
    terms = RoundCountry.objects.filter(round=round_, country_id=iso3).values_list("deadline", flat=True).first()
    return max(round_.deadline, terms) if terms else round_.deadline


def round_deadlines(round_: Round) -> dict[str, dt.date]:
    """Every country's deadline in one query (for dashboards and reminders)."""
    extended = {
        iso3: day
        for iso3, day in RoundCountry.objects.filter(round=round_).values_list("country_id", "deadline")
        if day is not None
    }
    return {
        iso3: max(round_.deadline, extended[iso3]) if iso3 in extended else round_.deadline
        for iso3 in round_.countries.values_list("iso3", flat=True)
    }


def round_upload_refusal(round_: Round, country: Country) -> str | None:
    """Why the country cannot send data to the round now, in words for the focal point; None if it can.
    A round takes uploads while open (late ones too, after the deadline); once closed only from a
    country an admin reopened it for."""
    if not round_.countries.filter(pk=country.pk).exists():
        return f"{country.name} is not part of round {round_.name}."
    if round_.status == R.OPEN:
        return None
    if round_.status == R.DRAFT:
        when = f" on {round_.opens_on:%d %B %Y}" if round_.opens_on else " when the ILO opens it"
        return f"Round {round_.name} has not opened yet: it takes uploads from{when}."
    if round_.status == R.CLOSED:
        if RoundCountry.objects.filter(round=round_, country=country, reopened=True).exists():
            return None
        closed = f" on {timezone.localdate(round_.closed_at):%d %B %Y}" if round_.closed_at else ""
        return (
            f"Round {round_.name} closed{closed}: uploads are no longer accepted. "
            f"Ask the ILO to reopen it for {country.name} if you need to send a correction."
        )
    return f"Round {round_.name} is archived: it no longer takes uploads."


def round_upload_check(round_: Round, country: Country) -> None:
    refusal = round_upload_refusal(round_, country)
    if refusal:
        raise PortalError(refusal)


def rounds_accepting(countries: Iterable[Country] | QuerySet[Country]) -> QuerySet[Round]:
    """Rounds that take uploads from any of these countries: open ones, and closed ones reopened for one."""
    reopened = RoundCountry.objects.filter(country__in=countries, reopened=True).values("round_id")
    return (
        Round.objects.filter(countries__in=countries)
        .filter(Q(status=R.OPEN) | Q(status=R.CLOSED, pk__in=reopened))
        .distinct()
    )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}


def round_values(round_: Round) -> dict[str, Any]:
    """What an admin sets on a round, as `round_save` takes it (the edit form starts from this)."""
    saved = round_.pk is not None
    return {
        "name": round_.name,
        "region": round_.region_id,
        "reference_years": round_.reference_years,
        "opens_on": round_.opens_on,
        "deadline": round_.deadline,
        "reminder_days": round_.reminder_days,
        "countries": sorted(round_.countries.values_list("iso3", flat=True)) if saved else [],
        "tables": list(round_.tables.values_list("indicator", flat=True)) if saved else [],
    }


def _snapshot(round_: Round) -> dict[str, Any]:
    """The round's values for the audit log's before/after (dates as text)."""
    values = round_values(round_)
    for key in ("opens_on", "deadline"):
        values[key] = values[key].isoformat() if values[key] else None
    return values


@transaction.atomic
def round_save(
    *,
    user: User,
    round_: Round | None = None,
    name: str,
    reference_years: list[int],
    deadline: dt.date,
    opens_on: dt.date | None = None,
    reminder_days: list[int] | None = None,
    countries: list[str],
    tables: list[str],
    region: Region | str | None = None,
) -> Round:
    """Create a round, or change one that is not archived; its name must be unused. Its countries are members
    of its region; a round given without a region (the API and commands before regions) takes the one all its
    countries belong to."""
    _admin_only(user)
    creating = round_ is None
    round_ = round_ or Round()
    if not round_.is_changeable:
        raise WrongState(f"Round {round_.name} is archived and can no longer change.")
    before = {} if creating else _snapshot(round_)
    if Round.objects.filter(name__iexact=name.strip()).exclude(pk=round_.pk).exists():
        raise PortalError(f"A round named {name.strip()} already exists; choose another name.")
    if not countries:
        raise PortalError("Choose at least one country.")
    if not tables:
        raise PortalError("Choose at least one table.")
    if isinstance(region, str) and region:
        code, region = region, Region.objects.filter(code=region).first()
        if region is None:
            raise PortalError(f"There is no region with the code {code}.")
    region = region or None  # "" from a form: none chosen
    round_.region = round_region_check(region, [c.upper() for c in countries])
    round_.name = name.strip()
    round_.reference_years = list(reference_years)
    round_.deadline = deadline
    round_.opens_on = opens_on
    round_.reminder_days = list(reminder_days if reminder_days is not None else [14, 3])
    try:
        round_.full_clean(exclude=["countries", "tables"], validate_unique=False)
    except ValidationError as error:
        raise PortalError(" ".join(m for messages in error.message_dict.values() for m in messages)) from error
    if creating:  # a new round is a draft (the model's default); from then on only round_move writes its status
        round_.save()
    else:
        round_.save(update_fields=["name", "region", "reference_years", "deadline", "opens_on", "reminder_days"])
    round_.countries.set(Country.objects.filter(iso3__in=countries))
    round_.tables.set(TableDefinition.objects.filter(indicator__in=tables))
    after = _snapshot(round_)
    if creating:
        audit_record(
            AuditAction.ROUND_CREATED,
            obj=round_,
            actor=user,
            round_name=round_.name,
            summary=f"Created round {round_.name} for {round_.years_label}, due {round_.deadline:%d %b %Y}.",
            detail=after,
        )
    elif changes := _changes(before, after):
        audit_record(
            AuditAction.ROUND_CHANGED,
            obj=round_,
            actor=user,
            round_name=round_.name,
            summary=f"Changed {', '.join(changes)} of round {round_.name}.",
            detail=changes,
        )
    return round_


def _shift(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def round_free_name(name: str) -> str:
    """`name` if no round has it yet (whatever the case), else the first free "name (2)", "name (3)"…"""
    taken = {n.lower() for n in Round.objects.filter(name__istartswith=name).values_list("name", flat=True)}
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def round_copy_defaults(source: Round | None, shift: int = 1) -> dict[str, Any]:
    """What a copy of `source` proposes: the next free name, its years and dates moved on by `shift` years,
    and the same countries, tables and reminder days."""
    if source is None:
        return {}
    base = source.name.rstrip("0123456789 ").strip() or "ILMS"
    number = source.name[len(source.name.rstrip("0123456789")) :]
    return {
        **round_values(source),
        "name": round_free_name(f"{base} {int(number) + shift}" if number else f"{source.name} (copy)"),
        "reference_years": [y + shift for y in source.reference_years],
        "opens_on": _shift(source.opens_on, shift),
        "deadline": _shift(source.deadline, shift),
    }


def round_copy(*, user: User, source: Round, name: str, shift: int = 1) -> Round:
    """A new draft round like `source`, with its reference years and dates moved on by `shift` years."""
    return round_save(user=user, **{**round_copy_defaults(source, shift), "name": name})


def rounds_latest(rounds: QuerySet[Round]) -> Round | None:
    """The round asking for the latest reference years (the one a new round is copied from); among rounds
    with the same years, the one created last."""
    return max(rounds, key=lambda r: (max(r.reference_years or [0]), r.created_at, r.pk), default=None)


def round_moves_between(current: str, target: str) -> list[str] | None:
    """The shortest series of actions that takes a round from status `current` to `target`: [] when it is
    there already, None when no series does (nothing goes back to draft, nothing leaves archived)."""
    paths: dict[str, list[str]] = {current: []}
    frontier = [current]
    while frontier:
        status = frontier.pop(0)
        for action, move in MOVES.items():
            if status in move.sources and move.target not in paths:
                paths[move.target] = [*paths[status], action]
                frontier.append(move.target)
    return paths.get(target)


def round_move(*, user: User | None, round_: Round, action: str, actor_required: bool = True) -> Round:
    """Open, close, reopen or archive the whole round (a conditional UPDATE, so two clicks move it once)."""
    if actor_required:  # nobody (None) is refused like an anonymous visitor; only the schedule moves without anyone
        _admin_only(user if user is not None else AnonymousUser())
    if action not in MOVES:
        raise PortalError(f"Unknown action '{action}'.")
    allowed, target, audit_action, _ = MOVES[action]
    now = timezone.now()
    fields: dict[str, object] = {"status": target}
    if target == R.OPEN and round_.opened_at is None:
        fields["opened_at"] = now
    if target == R.CLOSED:
        fields["closed_at"] = now
    with transaction.atomic():
        moved = Round.objects.filter(pk=round_.pk, status__in=allowed).update(**fields)
        if not moved:
            current = Round.objects.filter(pk=round_.pk).values_list("status", flat=True).first() or "deleted"
            raise WrongState(
                f"Round {round_.name} is {current}: only {' or '.join(map(_a, sorted(allowed)))} round "
                f"can be {DONE[action]}."
            )
        if target in (R.CLOSED, R.OPEN):  # a closed round starts with no country reopened
            RoundCountry.objects.filter(round=round_, reopened=True).update(reopened=False)
        previous = round_.status
        for key, value in fields.items():
            setattr(round_, key, value)
        audit_record(
            audit_action,
            obj=round_,
            actor=user,
            round_name=round_.name,
            summary=f"Round {round_.name}: {previous} → {target}.",
            detail={"from": previous, "to": target},
        )
        if target == R.OPEN and previous == R.DRAFT:
            transaction.on_commit(lambda: round_opened.send(sender=Round, round_id=round_.pk), robust=True)
    return round_


@transaction.atomic
def round_extend(*, user: User, round_: Round, deadline: dt.date, country: Country | None = None) -> Round:
    """A later deadline for the whole round, or for one country of it."""
    _admin_only(user)
    if not round_.is_changeable:
        raise WrongState(f"Round {round_.name} is archived; its deadline no longer changes.")
    if country is not None and not round_.countries.filter(pk=country.pk).exists():
        raise PortalError(f"{country.name} is not part of round {round_.name}.")
    current = round_deadline(round_, country) if country else round_.deadline
    if deadline <= current:
        raise PortalError(f"The new deadline must be after the current one ({current:%d %B %Y}).")
    if country is None:
        Round.objects.filter(pk=round_.pk).update(deadline=deadline)
        round_.deadline = deadline
    else:
        RoundCountry.objects.update_or_create(round=round_, country=country, defaults={"deadline": deadline})
    who = country.name if country else "every country"
    audit_record(
        AuditAction.ROUND_EXTENDED,
        obj=round_,
        actor=user,
        round_name=round_.name,
        country=country.iso3 if country else "",
        summary=f"Deadline of round {round_.name} for {who} moved from {current:%d %b %Y} to {deadline:%d %b %Y}.",
        detail={"from": current.isoformat(), "to": deadline.isoformat(), "country": country.iso3 if country else None},
    )
    return round_


@transaction.atomic
def round_country_reopen(
    *, user: User, round_: Round, country: Country, reopen: bool = True, deadline: dt.date | None = None
) -> RoundCountry:
    """Let one country upload again to a closed round (with a deadline of its own), or stop it again."""
    _admin_only(user)
    if round_.status != R.CLOSED:
        raise WrongState(f"Round {round_.name} is {round_.status}: only a closed round is reopened for one country.")
    if not round_.countries.filter(pk=country.pk).exists():
        raise PortalError(f"{country.name} is not part of round {round_.name}.")
    defaults: dict[str, object] = {"reopened": reopen}
    if deadline is not None:
        defaults["deadline"] = deadline
    terms, _ = RoundCountry.objects.update_or_create(round=round_, country=country, defaults=defaults)
    verb = "reopened" if reopen else "closed again"
    audit_record(
        AuditAction.ROUND_COUNTRY_REOPENED,
        obj=round_,
        actor=user,
        round_name=round_.name,
        country=country.iso3,
        summary=f"Round {round_.name} {verb} for {country.name}"
        + (f" until {deadline:%d %b %Y}." if deadline and reopen else "."),
        detail={"reopened": reopen, "deadline": deadline.isoformat() if deadline else None},
    )
    return terms


def rounds_due_to_open(today: dt.date | None = None) -> list[Round]:
    """Open the draft rounds whose opening day has come (the daily schedule calls this)."""
    today = today or timezone.localdate()
    opened: list[Round] = []
    for round_ in Round.objects.filter(status=R.DRAFT, opens_on__lte=today):
        try:
            opened.append(round_move(user=None, round_=round_, action="open", actor_required=False))
        except WrongState:  # opened by hand meanwhile
            continue
    return opened


# What the round pages read.


def round_moves_allowed(round_: Round) -> list[str]:
    """The whole-round actions the round's status allows now, in MOVES order."""
    return [action for action, move in MOVES.items() if round_.status in move.sources]


def rounds_by_status(rounds: QuerySet[Round], today: dt.date | None = None) -> list[dict[str, Any]]:
    """Rounds grouped by status (open, draft, closed, archived), each with its country and table counts
    and the days left until its deadline (negative when past); empty groups are left out."""
    today = today or timezone.localdate()
    rows = (
        rounds.select_related("region")
        .annotate(n_countries=Count("countries", distinct=True), n_tables=Count("tables", distinct=True))
        .order_by("-deadline", "name")
    )
    groups: dict[str, list[Round]] = {status: [] for status in R.display_order()}
    for round_ in rows:
        # the list's template reads the round itself, and these two beside its fields
        days_left = (round_.deadline - today).days
        round_.__dict__.update(days_left=days_left, days_overdue=-days_left)
        groups[round_.status].append(round_)
    return [
        {"status": status, "label": R(status).label, "rounds": members} for status, members in groups.items() if members
    ]


def round_country_terms(round_: Round) -> list[dict[str, Any]]:
    """One row per country of the round: its deadline in force, whether it was extended, and whether an
    admin reopened the closed round for it."""
    deadlines = round_deadlines(round_)
    reopened = set(RoundCountry.objects.filter(round=round_, reopened=True).values_list("country_id", flat=True))
    return [
        {
            "iso3": iso3,
            "name": name,
            "deadline": deadlines[iso3],
            "extended": deadlines[iso3] > round_.deadline,
            "reopened": iso3 in reopened,
        }
        for iso3, name in round_.countries.order_by("name").values_list("iso3", "name")
    ]
