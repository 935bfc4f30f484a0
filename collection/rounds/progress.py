"""Read-side queries for the pages: summaries of the master table, the review queue, a country's rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.utils import timezone

from collection import access
from collection.lib.users import RequestUser
from collection.models import Country, Round, Submission
from collection.models.submissions import NOT_STARTED, UPLOADED
from collection.rounds.lifecycle import round_deadline, rounds_accepting


def focal_point_rounds(user: RequestUser) -> list[dict[str, Any]]:
    """For each open round of the user's countries: the deadline and, per country, the latest submission."""
    countries = list(access.upload_countries(user))
    rounds = rounds_accepting(countries).order_by("deadline")
    today = timezone.localdate()
    out: list[dict[str, Any]] = []
    for round_ in rounds:
        in_round = [c for c in countries if round_.countries.filter(pk=c.pk).exists()]
        latest: dict[str, Submission] = {}
        for submission in Submission.objects.filter(round=round_, country__in=in_round).order_by("-uploaded_at"):
            latest.setdefault(submission.country_id, submission)
        out.append(
            {
                "round": round_,
                "deadline": (deadline := max(round_deadline(round_, c) for c in in_round)),
                "days_left": (deadline - today).days,
                "countries": [{"country": c, "latest": latest.get(c.iso3)} for c in in_round],
            }
        )
    return out


def table_status_label(status: str) -> str:
    """A table status in words: not_started → Not started."""
    return status.replace("_", " ").capitalize()


@dataclass(frozen=True)
class TableState:
    """Where one table of one country stands in a round."""

    status: str  # one of Submission.Status.table_statuses()
    submission_id: int | None  # the submission that gives the status
    changed_at: dt.datetime | None  # when that submission last changed status
    published_in_round: bool = False  # a file of this round carrying the table was published (maybe an older one)

    @property
    def label(self) -> str:
        return table_status_label(self.status)

    @property
    def with_ilo(self) -> bool:
        return self.status in Submission.Status.with_ilo()


class _SubmissionRow(TypedDict):
    """The fields of a submission the table states are worked out from."""

    id: int
    country_id: str
    status: str
    indicators: list[str] | None
    status_changed_at: dt.datetime
    uploaded_at: dt.datetime


def round_table_states(
    round_: Round, countries: Iterable[Country | str] | None = None
) -> dict[tuple[str, str], TableState]:
    """The status of each (country, table) of the round: that of the latest submission carrying the table,
    or "uploaded" while a newer file waits for the worker to say what it holds. One query for the round."""
    submissions = Submission.objects.filter(round=round_)
    in_round = round_.countries.all()
    if countries is not None:
        iso3s = [getattr(c, "iso3", c) for c in countries]
        submissions = submissions.filter(country_id__in=iso3s)
        in_round = in_round.filter(iso3__in=iso3s)
    rows = submissions.order_by("uploaded_at", "id").values(
        "id", "country_id", "status", "indicators", "status_changed_at", "uploaded_at"
    )
    latest: dict[tuple[str, str], _SubmissionRow] = {}
    pending: dict[str, _SubmissionRow] = {}
    published: set[tuple[str, str]] = set()
    for each in rows:
        if each["status"] in Submission.Status.awaiting_validation():
            pending[each["country_id"]] = each
        for indicator in each["indicators"] or []:
            latest[(each["country_id"], indicator)] = each
            if each["status"] == Submission.Status.PUBLISHED:
                published.add((each["country_id"], indicator))
    indicators = list(round_.tables.values_list("indicator", flat=True))
    states: dict[tuple[str, str], TableState] = {}
    for iso3 in in_round.values_list("iso3", flat=True):
        for indicator in indicators:
            row = latest.get((iso3, indicator))
            waiting = pending.get(iso3)
            if waiting is not None and (
                row is None or (waiting["uploaded_at"], waiting["id"]) > (row["uploaded_at"], row["id"])
            ):
                row, status = waiting, UPLOADED
            else:
                status = Submission.Status(row["status"]).table_status if row else NOT_STARTED
            states[(iso3, indicator)] = TableState(
                status=status,
                submission_id=row["id"] if row else None,
                changed_at=row["status_changed_at"] if row else None,
                published_in_round=(iso3, indicator) in published,
            )
    return states


def country_round_overview(round_: Round, country: Country) -> dict[str, Any]:
    """A country's page for a round: deadline, each requested table's status, the submissions' history."""
    submissions = list(
        Submission.objects.filter(round=round_, country=country)
        .select_related("uploaded_by")
        .prefetch_related("reviews")
        .order_by("-uploaded_at", "-id")
    )
    states = round_table_states(round_, countries=[country])
    tables: list[dict[str, Any]] = []
    for table in round_.tables.order_by("sort_order", "indicator"):
        latest = next((s for s in submissions if table.indicator in (s.indicators or [])), None)
        status = states[(country.iso3, table.indicator)].status
        review = latest.reviews.all()[0] if latest and latest.status == Submission.Status.RETURNED else None
        published = next(
            (
                s
                for s in submissions
                if s.status == Submission.Status.PUBLISHED and table.indicator in (s.indicators or [])
            ),
            None,
        )
        tables.append(
            {
                "table": table,
                "status": status,
                "label": table_status_label(status),
                "latest": latest,
                "review": review,
                "published": published,
            }
        )
    return {
        "round": round_,
        "country": country,
        "deadline": (deadline := round_deadline(round_, country)),
        "days_left": (deadline - timezone.localdate()).days,
        "tables": tables,
        "submissions": submissions,
        "latest": submissions[0] if submissions else None,
    }
