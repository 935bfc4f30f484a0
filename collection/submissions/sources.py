"""Source metadata: how each indicator of a submission was produced (survey, census, register...)."""

from __future__ import annotations

from django.db import transaction

from collection import access
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.users import User
from collection.models import DataSource, SourceType, Submission


@transaction.atomic
def datasource_save(*, user: User, submission: Submission, indicator: str, **fields: str | SourceType) -> DataSource:
    """Describe (or re-describe) the source of one indicator, until the submission is sent for review."""
    if not access.may_upload(user, submission.country_id):
        raise NotAllowed("Only a focal point of this country can describe its sources.")
    if submission.status not in Submission.Status.editable():
        raise PortalError("The sources of a submission can no longer change once it has been sent for review.")
    if not submission.round.tables.filter(indicator=indicator).exists():
        raise PortalError(f"Indicator {indicator} is not requested in round {submission.round.name}.")
    source, _ = DataSource.objects.update_or_create(submission=submission, indicator=indicator, defaults=fields)
    return source


def sources_latest(country_id: str, indicators: list[str], *, exclude: int | None = None) -> dict[str, DataSource]:
    """The country's most recent description of each indicator's source, from any earlier submission."""
    latest: dict[str, DataSource] = {}
    earlier = DataSource.objects.filter(submission__country_id=country_id, indicator__in=indicators)
    if exclude is not None:
        earlier = earlier.exclude(submission_id=exclude)
    for source in earlier.order_by("submission__uploaded_at", "submission_id"):
        latest[source.indicator] = source
    return latest


def datasource_carry_forward(submission: Submission) -> int:
    """Start each undescribed indicator from the country's latest description (the focal point checks and
    edits it, as in the workbook's pre-filled Sources sheet); returns how many were carried."""
    described = set(submission.sources.values_list("indicator", flat=True))
    wanted = [i for i in submission.indicators or [] if i not in described]
    carried = [
        DataSource(submission=submission, **{f: getattr(old, f) for f in ("indicator", *DataSource.DESCRIPTION_FIELDS)})
        for old in sources_latest(submission.country_id, wanted, exclude=submission.pk).values()
    ]
    DataSource.objects.bulk_create(carried)
    return len(carried)
