"""The submission state machine: the only code that changes a submission's status."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from collection.audit.record import audit_record
from collection.lib.errors import PortalError, WrongState
from collection.lib.moves import Move
from collection.lib.queue import PUBLISH_SUBMISSION, VALIDATE_SUBMISSION, enqueue
from collection.lib.users import User
from collection.models import AuditAction, Submission, SubmissionEvent
from collection.submissions.signals import submission_moved

logger = logging.getLogger(__name__)
S = Submission.Status

# A submission is created received (the model's default) when its file is kept, and its validation is queued:
# a creation, not a move, so it starts from no status and tells nobody.
RECEIVE = Move(frozenset(), S.RECEIVED, AuditAction.SUBMISSION_UPLOADED, VALIDATE_SUBMISSION)

# Which status each move may start from, where it leads, what the audit log calls it, and the worker's
# follow-up; a move without an audit action of its own is a plain status change.
MOVES: dict[str, Move] = {
    "validate": Move(frozenset({S.RECEIVED}), S.VALIDATING, AuditAction.SUBMISSION_STATUS),
    "pass": Move(frozenset({S.VALIDATING}), S.VALID, AuditAction.SUBMISSION_STATUS),
    "fail": Move(frozenset({S.VALIDATING}), S.INVALID, AuditAction.SUBMISSION_STATUS),
    "submit": Move(frozenset({S.VALID}), S.SUBMITTED, AuditAction.SUBMISSION_SUBMITTED),
    "approve": Move(frozenset({S.SUBMITTED}), S.APPROVED, AuditAction.SUBMISSION_APPROVED, PUBLISH_SUBMISSION),
    "return": Move(frozenset({S.SUBMITTED}), S.RETURNED, AuditAction.SUBMISSION_RETURNED),
    "publish": Move(frozenset({S.APPROVED}), S.PUBLISHED, AuditAction.SUBMISSION_PUBLISHED),
    # A publication that failed for good: back in the review queue, the reason in the audit entry (never left
    # approved for ever); its staged rows are kept, so that approving it again publishes it.
    "publication_failed": Move(frozenset({S.APPROVED}), S.SUBMITTED, AuditAction.SUBMISSION_STATUS),
}


def submission_received(*, submission: Submission, actor: User, summary: str, detail: dict) -> None:
    """Record a new submission's first status: its event, the upload's audit entry, and its validation queued
    once the upload commits."""
    SubmissionEvent.objects.create(submission=submission, from_status="", to_status=RECEIVE.target, actor=actor)
    audit_record(
        RECEIVE.audit,
        obj=submission,
        actor=actor,
        label=f"Submission #{submission.pk} ({submission.original_filename})",
        country=submission.country_id,
        round_name=str(submission.round),
        summary=summary,
        detail=detail,
    )
    if RECEIVE.then:
        enqueue(RECEIVE.then, submission.pk)


def submission_move(
    *,
    submission: Submission,
    move: str,
    actor: User | None = None,
    extra: dict | None = None,
    detail: dict | None = None,
) -> Submission:
    """Make one of MOVES with a conditional UPDATE, so that exactly one of two simultaneous requests wins;
    record the event and the audit entry (with `detail`, e.g. the reviewer's comment), and once the move has
    committed tell the people concerned and send the worker its follow-up."""
    if move not in MOVES:
        raise PortalError(f"Unknown move '{move}'.")
    allowed, to, audit_action, then = MOVES[move]
    now = timezone.now()
    fields = {"status": to, "status_changed_at": now, **(extra or {})}
    with transaction.atomic():
        moved = Submission.objects.filter(pk=submission.pk, status__in=allowed).update(**fields)
        if not moved:
            current = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
            label = S(current).label.lower() if current else "deleted"
            raise WrongState(f"Submission #{submission.pk} is {label}; it cannot become {S(to).label.lower()}.")
        SubmissionEvent.objects.create(
            submission_id=submission.pk, from_status=submission.status, to_status=to, actor=actor
        )
        audit_record(
            audit_action,
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
        if then:
            enqueue(then, submission.pk)
    for name, value in fields.items():
        setattr(submission, name, value)
    return submission
