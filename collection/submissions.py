"""Upload and the submission state machine: the only code that changes a submission's status."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from collection import access
from collection.audit import audit_record
from collection.errors import NotAllowed, PortalError, WrongState
from collection.models import AuditAction, Country, Review, Round, Submission, SubmissionEvent
from collection.rounds import round_upload_check
from collection.validation.readers import upload_format

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


def _enqueue(task_name: str, submission_id: int) -> None:
    """Send a worker task once the transaction has committed, so the worker sees the row."""
    from collection import tasks

    task = getattr(tasks, task_name)

    def send() -> None:
        task.delay(submission_id)

    transaction.on_commit(send, robust=True)


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
    from collection.notifications import submission_status_notify

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
        transaction.on_commit(lambda: submission_status_notify(submission.pk, to), robust=True)
    for name, value in fields.items():
        setattr(submission, name, value)
    return submission


def submission_upload(*, user, round: Round, country: Country, uploaded_file: UploadedFile) -> Submission:
    """Keep the file, record it as received and queue its validation; answers at once."""
    if not access.upload_countries(user).filter(pk=country.pk).exists():
        raise NotAllowed(f"You cannot upload for {country.name}.")
    round_upload_check(round, country)
    if uploaded_file.size > settings.MAX_UPLOAD_SIZE:
        limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
        raise PortalError(f"The file is larger than the {limit} MB limit.")

    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    file_format = upload_format(uploaded_file)  # by content, so the waiting page already says what it is
    name = uploaded_file.name.rsplit("/", 1)[-1][:200] or "upload"
    with transaction.atomic():
        submission = Submission(
            round=round,
            country=country,
            original_filename=name,
            sha256=digest.hexdigest(),
            size=uploaded_file.size,
            file_format=file_format,
            uploaded_by=user,
        )
        submission.file.save(name, uploaded_file, save=False)
        submission.save()
        SubmissionEvent.objects.create(submission=submission, from_status="", to_status=S.RECEIVED, actor=user)
        audit_record(
            AuditAction.SUBMISSION_UPLOADED,
            obj=submission,
            actor=user,
            label=f"Submission #{submission.pk} ({name})",
            country=country.iso3,
            round_name=round.name,
            summary=f"Uploaded {name} ({submission.size:,} bytes) for {country.name}, round {round.name}.",
            detail={"file": name, "sha256": submission.sha256, "size": submission.size},
        )
        _enqueue("validate_submission", submission.pk)
    logger.info("submission %s received from %s for %s", submission.pk, user, country.iso3)
    return submission


def submission_submit(*, user, submission: Submission) -> Submission:
    """A focal point sends a valid submission to the ILO for review."""
    if not access.upload_countries(user).filter(pk=submission.country_id).exists():
        raise NotAllowed("Only a focal point of this country can submit it.")
    round_upload_check(submission.round, submission.country)
    pending = Submission.objects.filter(
        round_id=submission.round_id, country_id=submission.country_id, status=S.SUBMITTED
    ).exclude(pk=submission.pk)
    if pending.exists():
        raise WrongState(
            f"Submission #{pending.first().pk} for this country and round is already awaiting review; "
            "wait for the reviewer's decision before submitting another."
        )
    if submission.status == S.VALID:  # other states are refused by the move below, with their own message
        submission_readiness_check(submission)
    return submission_move(submission=submission, to=S.SUBMITTED, actor=user, extra={"submitted_at": timezone.now()})


def submission_readiness(submission: Submission) -> list[str]:
    """What still stands between a valid submission and review: source metadata gaps, unanswered warnings."""
    from collection.explanations import warnings_unanswered
    from collection.sources import source_gaps

    missing = source_gaps(submission)
    unanswered = warnings_unanswered(submission).count()
    if unanswered:
        missing.append(
            f"{unanswered} warning(s) have no explanation yet; explain each one (or all of a rule at once) "
            "so the reviewer knows why the values are right."
        )
    return missing


def submission_readiness_check(submission: Submission) -> None:
    missing = submission_readiness(submission)
    if missing:
        raise PortalError("Not ready to submit: " + " ".join(missing))


def submission_approve(*, user, submission: Submission, comment: str = "") -> Submission:
    """A reviewer approves; publication into the master table follows in the worker."""
    if not access.is_reviewer(user):
        raise NotAllowed("Only ILO reviewers can approve a submission.")
    with transaction.atomic():
        submission_move(submission=submission, to=S.APPROVED, actor=user, detail={"comment": comment})
        _enqueue("publish_submission", submission.pk)
        Review.objects.create(submission=submission, decision=Review.Decision.APPROVE, comment=comment, reviewer=user)
    return submission


def submission_return(*, user, submission: Submission, comment: str) -> Submission:
    """A reviewer sends a submission back with a comment; the focal point uploads a new version."""
    if not access.is_reviewer(user):
        raise NotAllowed("Only ILO reviewers can return a submission.")
    if not comment or not comment.strip():
        raise PortalError("Say what the focal point should change: a comment is required to return a submission.")
    with transaction.atomic():
        submission_move(submission=submission, to=S.RETURNED, actor=user, detail={"comment": comment.strip()})
        Review.objects.create(
            submission=submission, decision=Review.Decision.RETURN, comment=comment.strip(), reviewer=user
        )
    return submission
