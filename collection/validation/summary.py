"""A submission's validation issues counted per rule and severity, for its page and its mails."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from django.db.models import Count

from collection.models import Submission, WarningExplanation


class IssueCount(TypedDict):
    """One line of the overview: how many issues one rule raised on one table at one severity."""

    indicator: str | None
    severity: str
    rule: str
    n: int
    answer: NotRequired[WarningExplanation | None]  # the submission page adds the country's answer to a warning


def issue_summary(submission: Submission) -> list[IssueCount]:
    """Counts of issues per table, rule and severity, errors first: the report's overview."""
    counts = (
        submission.issues.values("indicator", "severity", "rule")
        .annotate(n=Count("id"))
        .order_by("severity", "indicator", "-n")
    )
    return [IssueCount(indicator=c["indicator"], severity=c["severity"], rule=c["rule"], n=c["n"]) for c in counts]
