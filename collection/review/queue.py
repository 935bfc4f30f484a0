"""What waits for a reviewer: submitted submissions, oldest first."""

from __future__ import annotations

from django.db.models import QuerySet

from collection.models import Submission


def submissions_to_review() -> QuerySet[Submission]:
    """Submitted work from every country, oldest first."""
    return (
        Submission.objects.filter(status=Submission.Status.SUBMITTED)
        .select_related("round", "country", "uploaded_by")
        .order_by("submitted_at", "id")
    )
