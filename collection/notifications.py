"""E-mail to the people a change concerns: a round opened, an upload checked, a review's outcome, a
publication, and the deadline reminders.

Mail goes through Django's mail API, one message per person. A mail server that fails is logged and never
breaks the action that caused the mail."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any, TypedDict

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone

from collection.lib.labels import code_label
from collection.lib.links import portal_link
from collection.lib.queue import MAIL_ROUND_OPENED, MAIL_SUBMISSION_STATUS, mail_later
from collection.lib.users import User
from collection.models import Country, NotificationPreference, ReminderSent, Review, Role, Round, Submission
from collection.rounds.lifecycle import round_deadlines
from collection.rounds.progress import round_table_states
from collection.rounds.signals import round_opened
from collection.submissions.signals import submission_moved
from collection.validation.summary import issue_summary

logger = logging.getLogger(__name__)
S = Submission.Status
MAIL_ERRORS = (smtplib.SMTPException, OSError)  # refused, unreachable or timed out

# The status a submission reached → the preference that turns its mail off, and the mail's template.
STATUS_MAILS: dict[str, tuple[str, str]] = {
    S.VALID: ("validation_finished", "email/validation_finished.txt"),
    S.INVALID: ("validation_finished", "email/validation_finished.txt"),
    S.RETURNED: ("review_outcome", "email/submission_returned.txt"),
    S.APPROVED: ("review_outcome", "email/submission_approved.txt"),
    S.PUBLISHED: ("review_outcome", "email/submission_published.txt"),
}


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def focal_points(iso3: str) -> QuerySet[User]:
    """The active focal points of a country who have an e-mail address."""
    return (
        User.objects.filter(is_active=True, profile__role=Role.FOCAL_POINT, profile__countries=iso3)
        .exclude(email="")
        .order_by("pk")
    )


def _concerned(submission: Submission) -> QuerySet[User]:
    """The uploader (a focal point, or an admin uploading on a country's behalf) and the country's active
    focal points."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(pk=submission.uploaded_by_id)
            | Q(profile__role=Role.FOCAL_POINT, profile__countries=submission.country_id)
        )
        .distinct()
        .order_by("pk")
    )


def _wanting(users: QuerySet[User], preference: str) -> list[User]:
    """Those of `users` who have not turned this mail off (no settings saved: every mail is on)."""
    return list(users.exclude(**{f"notification_prefs__{preference}": False}))


def greeting_name(user: User) -> str:
    """How a mail greets its reader: their name as they gave it ("Dear Somchai,"), else their username."""
    return user.get_full_name() or user.username


def most_frequent_problems(submission: Submission, limit: int = 5) -> list[dict[str, Any]]:
    """The problems a validation mail lists: the commonest first (errors first among equals), each with its
    table's title."""
    problems = sorted(issue_summary(submission), key=lambda p: (-p["n"], p["severity"], p["rule"]))[:limit]
    return [{**p, "title": code_label(p["indicator"])} for p in problems]


def _mail(user: User, subject: str, template: str, context: dict[str, Any]) -> None:
    """Render and send one mail to one person; raises what the mail backend raises."""
    body = render_to_string(
        template,
        {**context, "user": user, "name": greeting_name(user), "settings_link": portal_link("notification_settings")},
    )
    EmailMessage(subject=f"[ILMS] {subject}", body=body, to=[user.email]).send()


def _mail_each(users: list[User], subject: str, template: str, context: dict[str, Any]) -> int:
    """Mail each person on their own; one failure is logged and the others still get theirs."""
    sent = 0
    for user in users:
        try:
            _mail(user, subject, template, context)
        except MAIL_ERRORS:
            logger.exception("could not e-mail %s: %s", user.email, subject)
        else:
            sent += 1
    return sent


def _status_subject(submission: Submission, status: str) -> str:
    where = f"#{submission.pk} for {submission.country.name}"
    counts = f"{_count(submission.error_count, 'error')}, {_count(submission.warning_count, 'warning')}"
    subjects: dict[str, str] = {
        S.VALID: f"Upload {where} is valid ({counts})",
        S.INVALID: f"Upload {where} needs corrections ({counts})",
        S.RETURNED: f"Submission {where} was returned with comments",
        S.APPROVED: f"Submission {where} was approved",
        S.PUBLISHED: f"Submission {where} is published",
    }
    return subjects[status]


def submission_status_notify(submission_id: int, status: str) -> None:
    """Tell the people concerned that a submission reached `status` (validated, returned, approved, published);
    other statuses need no mail."""
    if status not in STATUS_MAILS:
        return
    submission = Submission.objects.select_related("round", "country").filter(pk=submission_id).first()
    if submission is None:
        return
    preference, template = STATUS_MAILS[status]
    context: dict[str, Any] = {
        "submission": submission,
        "status": status,
        "valid": status == S.VALID,
        "report_link": portal_link("submission_detail", pk=submission.pk),
        "country_link": portal_link("country_round", round_id=submission.round_id, iso3=submission.country_id),
    }
    if status in (S.VALID, S.INVALID):
        context["problems"] = most_frequent_problems(submission)
    if status == S.RETURNED:
        context["review"] = (
            submission.reviews.filter(decision=Review.Decision.RETURN).select_related("reviewer").first()
        )
    if status == S.PUBLISHED:
        context["data_links"] = [
            (
                indicator,
                code_label(indicator),
                portal_link("data_table", indicator=indicator, iso3=submission.country_id),
            )
            for indicator in submission.indicators or []
        ]
    users = _wanting(_concerned(submission), preference)
    _mail_each(users, _status_subject(submission, status), template, context)


def round_opened_notify(round_id: int) -> None:
    """Tell the focal points of a round's countries that it opened: years, tables, their country's deadline,
    and the links to their country page and workbook."""
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return
    deadlines = round_deadlines(round_)
    tables = list(round_.tables.order_by("sort_order", "indicator").values("indicator", "title"))
    for country in round_.countries.order_by("name"):
        deadline = deadlines[country.iso3]
        context = {
            "round": round_,
            "country": country,
            "deadline": deadline,
            "tables": tables,
            "country_link": portal_link("country_round", round_id=round_.pk, iso3=country.iso3),
            "workbook_link": portal_link("workbook_download", round_id=round_.pk, iso3=country.iso3),
        }
        subject = f"Round {round_.name} is open: {country.name}'s tables are due by {_day(deadline)}"
        _mail_each(_wanting(focal_points(country.iso3), "round_opened"), subject, "email/round_opened.txt", context)


def reminder_due(round_: Round, deadline: dt.date, today: dt.date) -> tuple[str, int] | None:
    """The reminder a deadline calls for today: "overdue" once it has passed, else the most urgent of the
    round's reminder days already reached (so a day the schedule missed is caught up without a burst)."""
    days_left = (deadline - today).days
    if days_left < 0:
        return ReminderSent.Kind.OVERDUE, 0
    reached = [days for days in round_.reminder_days or [] if days_left <= days]
    return (ReminderSent.Kind.BEFORE, min(reached)) if reached else None


class ReminderKey(TypedDict):
    """What makes a reminder unique (ReminderSent's fields): it goes out once per key."""

    round: Round
    country: Country
    user: User
    kind: str
    days: int
    deadline: dt.date


def _reminder_send(*, key: ReminderKey, subject: str, template: str, context: dict[str, Any]) -> bool:
    """Record the reminder, then send it, in one transaction: the unique key lets each reminder out once
    (even with two runs at the same time), and a mail server that fails rolls the record back so that the
    next run tries again."""
    if ReminderSent.objects.filter(**key).exists():
        return False
    try:
        with transaction.atomic():
            ReminderSent.objects.create(**key)
            _mail(key["user"], subject, template, context)
    except IntegrityError:  # another run has just sent it
        return False
    except MAIL_ERRORS:
        logger.exception("could not send the %s reminder to %s", key["kind"], key["user"].email)
        return False
    return True


def _country_remind(
    *, round_: Round, country: Country, deadline: dt.date, missing: list[dict[str, str]], today: dt.date
) -> int:
    """Send one country's reminder due today, if any, to each of its focal points who wants it."""
    due = reminder_due(round_, deadline, today)
    if due is None:
        return 0
    kind, days = due
    days_left = (deadline - today).days
    if kind == ReminderSent.Kind.OVERDUE:
        subject = f"Overdue: {country.name}'s tables for {round_.name} were due on {_day(deadline)}"
    else:
        when = "today" if days_left == 0 else f"in {_count(days_left, 'day')}"
        subject = f"Reminder: {country.name}'s tables for {round_.name} are due {when}, on {_day(deadline)}"
    context = {
        "round": round_,
        "country": country,
        "deadline": deadline,
        "days_left": days_left,
        "days_overdue": -days_left,
        "missing": missing,
        "country_link": portal_link("country_round", round_id=round_.pk, iso3=country.iso3),
        "workbook_link": portal_link("workbook_download", round_id=round_.pk, iso3=country.iso3),
    }
    sent = 0
    for user in _wanting(focal_points(country.iso3), f"reminder_{kind}"):
        key: ReminderKey = {
            "round": round_,
            "country": country,
            "user": user,
            "kind": kind,
            "days": days,
            "deadline": deadline,
        }
        sent += _reminder_send(key=key, subject=subject, template=f"email/reminder_{kind}.txt", context=context)
    return sent


def reminders_send(today: dt.date | None = None) -> int:
    """Send the deadline reminders due today that were not sent before; returns how many were sent.

    For each open round and each of its countries with a requested table not yet with the ILO, every active
    focal point who wants it is reminded before the country's deadline and once when it has passed. A
    later deadline is a new deadline: it earns reminders of its own."""
    today = today or timezone.localdate()
    sent = 0
    for round_ in Round.objects.filter(status=Round.Status.OPEN).order_by("deadline", "name"):
        states = round_table_states(round_)
        titles = dict(round_.tables.values_list("indicator", "title"))
        countries = {country.iso3: country for country in round_.countries.all()}
        for iso3, deadline in sorted(round_deadlines(round_).items()):
            missing = [
                {"indicator": indicator, "title": titles[indicator], "status": state.label}
                for (country_id, indicator), state in sorted(states.items())
                if country_id == iso3 and not state.with_ilo
            ]
            if missing:
                sent += _country_remind(
                    round_=round_, country=countries[iso3], deadline=deadline, missing=missing, today=today
                )
    return sent


def notification_preferences(user: User) -> NotificationPreference:
    """The user's e-mail settings; an unsaved row with every mail on when they never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@receiver(submission_moved)
def _submission_moved(sender: type, *, submission_id: int, status: str, **kwargs: object) -> None:
    if status in STATUS_MAILS:  # sent by the mail queue's worker (lib/queue.py, mail_later)
        mail_later(MAIL_SUBMISSION_STATUS, submission_id, status, here=submission_status_notify)


@receiver(round_opened)
def _round_opened(sender: type, *, round_id: int, **kwargs: object) -> None:
    mail_later(MAIL_ROUND_OPENED, round_id, here=round_opened_notify)
