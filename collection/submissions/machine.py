"""The submission state machine: the only code that changes a submission's status."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from collection.audit.record import audit_record
from collection.lib.errors import WrongState
from collection.models import AuditAction, Submission, SubmissionEvent
from collection.submissions.signals import submission_moved

logger = logging.getLogger(__name__)
S = Submission.Status

TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.VALIDATING},
    S.VALIDATING: {S.VALID, S.INVALID},
    S.VALID: {S.SUBMITTED},
    S.INVALID: set(),
    S.SUBMITTED: {S.APPROVED, S.RETURNED},
    S.RETURNED: set(),
    S.APPROVED: {S.PUBLISHED},
    S.PUBLISHED: set(),
}

# The audit entry each move records; every other move is a plain status change.
AUDIT_ACTIONS = {
    S.SUBMITTED: AuditAction.SUBMISSION_SUBMITTED,
    S.APPROVED: AuditAction.SUBMISSION_APPROVED,
    S.RETURNED: AuditAction.SUBMISSION_RETURNED,
    S.PUBLISHED: AuditAction.SUBMISSION_PUBLISHED,
}


def submission_move(
    *,
    submission: Submission,
    to: str,
    actor=None,
    extra: dict | None = None,
    detail: dict | None = None,
) -> Submission:
    """Move a submission from its current status to `to` with a conditional UPDATE, so that exactly one
    of two simultaneous requests wins; record the event and the audit entry (with `detail`, e.g. the
    reviewer's comment), and tell the people concerned once the move has committed."""
    allowed_from = [src for src, targets in TRANSITIONS.items() if to in targets]
    now = timezone.now()
    fields = {"status": to, "status_changed_at": now, **(extra or {})}
    with transaction.atomic():
        moved = Submission.objects.filter(pk=submission.pk, status__in=allowed_from).update(**fields)
        if not moved:
            current = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
            label = S(current).label.lower() if current else "deleted"
            raise WrongState(f"Submission #{submission.pk} is {label}; it cannot become {S(to).label.lower()}.")
        SubmissionEvent.objects.create(
            submission_id=submission.pk, from_status=submission.status, to_status=to, actor=actor
        )
        audit_record(
            AUDIT_ACTIONS.get(to, AuditAction.SUBMISSION_STATUS),
            obj=submission,
            actor=actor,
            label=f"Submission #{submission.pk} ({submission.original_filename})",
            country=submission.country_id,
            round_name=str(submission.round),
            summary=f"Submission #{submission.pk}: {S(submission.status).label.lower()} → {S(to).label.lower()}.",
            detail={"from": submission.status, "to": to, **(detail or {})},
        )
        transaction.on_commit(
            lambda: submission_moved.send(sender=Submission, submission_id=submission.pk, status=to), robust=True
        )
    for name, value in fields.items():
        setattr(submission, name, value)
    return submission
