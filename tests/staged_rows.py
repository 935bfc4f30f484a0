"""The tests' reading of a submission's staged rows, wherever the portal keeps them (its file, or the table)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from collection.models import Submission, value_exact
from collection.submissions.staged import staged_frame


def staged_tuples(submission: Submission, columns: tuple[str, ...] | list[str]) -> list[tuple]:
    """The staged rows' `columns` as tuples, obs_value the Decimal of the number it was read as."""
    at = list(columns).index("obs_value") if "obs_value" in columns else None
    return [
        tuple(value_exact(v) if i == at else v for i, v in enumerate(row))
        for row in staged_frame(submission, list(columns)).iter_rows()
    ]


def staged_file_exists(submission: Submission) -> bool:
    """The submission names a staged file and MEDIA_ROOT holds it."""
    submission.refresh_from_db(fields=["staged_file"])
    return bool(submission.staged_file) and (Path(settings.MEDIA_ROOT) / submission.staged_file).exists()


def staged_count(submission: Submission) -> int:
    """How many rows the submission has staged: none once they have served (its file removed)."""
    submission.refresh_from_db(fields=["staged_file"])
    if submission.staged_file and not staged_file_exists(submission):
        return 0
    return staged_frame(submission, ["row"]).height
