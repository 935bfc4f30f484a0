"""Source metadata: how each indicator of a submission was produced (survey, census, register...)."""

from __future__ import annotations

from django.db import transaction

from . import access
from .catalogue import rules_effective
from .errors import NotAllowed, PortalError
from .models import DataSource, RuleKind, Submission
from .validation.kinds import param

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


def source_gaps(submission: Submission) -> list[str]:
    """What the source metadata rules still ask of this submission: one sentence per indicator with gaps."""
    rules = [r for r in rules_effective(submission.round) if r.kind == RuleKind.SOURCE_METADATA]
    if not rules:
        return []
    described = {s.indicator: s for s in submission.sources.all()}
    labels = {f.name: str(f.verbose_name) for f in DataSource._meta.fields}
    gaps = []
    for rule in rules:
        fields = param(rule, "fields")
        for indicator in submission.indicators or []:
            source = described.get(indicator)
            missing = [
                f for f in fields if source is None or not getattr(source, f"{f}_id" if f == "source_type" else f)
            ]
            if missing:
                said = ", ".join(labels.get(f, f) for f in missing)
                gaps.append(rule.message.format(indicator=indicator, missing=said))
    return gaps
