"""A submission's validation issues counted per rule and severity, for its page and its mails."""

from __future__ import annotations

from django.db.models import Count

from collection.models import Submission


def issue_summary(submission: Submission) -> list[dict]:
    """Counts of issues per table, rule and severity, errors first: the report's overview."""
    return list(
        submission.issues.values("indicator", "severity", "rule")
        .annotate(n=Count("id"))
        .order_by("severity", "indicator", "-n")
    )
