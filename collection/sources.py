"""Source metadata: how each indicator of a submission was produced (survey, census, register...)."""

from __future__ import annotations

from django.db import transaction

from . import access
from .errors import NotAllowed, PortalError
from .models import DataSource, Submission

EDITABLE_STATUSES = {
    Submission.Status.RECEIVED,
    Submission.Status.VALIDATING,
    Submission.Status.VALID,
    Submission.Status.INVALID,
}


@transaction.atomic
def datasource_save(*, user, submission: Submission, indicator: str, **fields) -> DataSource:
    """Describe (or re-describe) the source of one indicator, until the submission is sent for review."""
    if not access.upload_countries(user).filter(pk=submission.country_id).exists():
        raise NotAllowed("Only a focal point of this country can describe its sources.")
    if submission.status not in EDITABLE_STATUSES:
        raise PortalError("The sources of a submission can no longer change once it has been sent for review.")
    if not submission.round.tables.filter(indicator=indicator).exists():
        raise PortalError(f"Indicator {indicator} is not requested in round {submission.round.name}.")
    source, _ = DataSource.objects.update_or_create(submission=submission, indicator=indicator, defaults=fields)
    return source
