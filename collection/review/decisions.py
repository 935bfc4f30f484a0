"""The decisions around review: a focal point sends a valid submission, a reviewer approves or returns it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from collection import access
from collection.lib.errors import NotAllowed, PortalError, WrongState
from collection.lib.users import User
from collection.models import Review, Submission
from collection.rounds.lifecycle import round_upload_check
from collection.submissions.explanations import warnings_unanswered
from collection.submissions.machine import submission_move
from collection.validation.kinds.submission import source_gaps

S = Submission.Status


def submission_submit(*, user: User, submission: Submission) -> Submission:
    """A focal point sends a valid submission to the ILO for review."""
    if not access.may_upload(user, submission.country_id):
        raise NotAllowed("Only a focal point of this country can submit it.")
    round_upload_check(submission.round, submission.country)
    pending = Submission.objects.filter(
        round_id=submission.round_id, country_id=submission.country_id, status=S.SUBMITTED
    ).exclude(pk=submission.pk)
    if (waiting := pending.first()) is not None:
        raise WrongState(
            f"Submission #{waiting.pk} for this country and round is already awaiting review; "
            "wait for the reviewer's decision before submitting another."
        )
    if submission.status == S.VALID:  # other states are refused by the move below, with their own message
        submission_readiness_check(submission)
    return submission_move(submission=submission, move="submit", actor=user, extra={"submitted_at": timezone.now()})


def submission_readiness(submission: Submission) -> list[str]:
    """What still stands between a valid submission and review: source metadata gaps, unanswered warnings."""
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


def submission_approve(*, user: User, submission: Submission, comment: str = "") -> Submission:
    """A reviewer approves; publication into the master table follows in the worker (the move sends it)."""
    access.require_staff(user, "Only ILO reviewers can approve a submission.")
    with transaction.atomic():
        submission_move(submission=submission, move="approve", actor=user, detail={"comment": comment})
        Review.objects.create(submission=submission, decision=Review.Decision.APPROVE, comment=comment, reviewer=user)
    return submission


def submission_return(*, user: User, submission: Submission, comment: str) -> Submission:
    """A reviewer sends a submission back with a comment; the focal point uploads a new version."""
    access.require_staff(user, "Only ILO reviewers can return a submission.")
    if not comment or not comment.strip():
        raise PortalError("Say what the focal point should change: a comment is required to return a submission.")
    with transaction.atomic():
        submission_move(submission=submission, move="return", actor=user, detail={"comment": comment.strip()})
        Review.objects.create(
            submission=submission, decision=Review.Decision.RETURN, comment=comment.strip(), reviewer=user
        )
    return submission
