"""The decisions around review: a focal point sends a valid submission, a reviewer approves or returns it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from collection import access
from collection.lib.errors import NotAllowed, PortalError, WrongState
from collection.lib.users import User
from collection.models import Release, Review, Submission
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


def submission_approve(
    *, user: User, submission: Submission, comment: str = "", release: Release | None = None
) -> Submission:
    """A reviewer approves; publication into the master table follows in the worker (the move sends it). With
    a scheduled `release` the values join it and stay embargoed until its moment; without one they are public
    once published."""
    access.require_staff(user, "Only ILO reviewers can approve a submission.")
    with transaction.atomic():
        if release is not None:  # locked, so that it cannot come out or be withdrawn while it is joined
            release = Release.objects.select_for_update().get(pk=release.pk)
            release_joinable(release)
        detail: dict[str, object] = {"comment": comment}
        if release is not None:
            detail["release"] = release.pk
        submission_move(submission=submission, move="approve", actor=user, detail=detail)
        Review.objects.create(
            submission=submission, decision=Review.Decision.APPROVE, comment=comment, reviewer=user, release=release
        )
    return submission


def release_joinable(release: Release) -> None:
    """Only a release still ahead can take more values: one already out would publish them back in time."""
    if release.withdrawn_at is not None:
        raise PortalError(f"Release “{release.title}” was withdrawn; choose an upcoming release or none.")
    if not release.scheduled or release.public_at is None:
        raise PortalError(f"Release “{release.title}” is not a scheduled release; choose an upcoming release or none.")
    if not release.is_upcoming():
        raise PortalError(
            f"Release “{release.title}” came out on {timezone.localtime(release.public_at):%d %b %Y %H:%M}; "
            "choose an upcoming release, or none to make the values public once published."
        )


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
