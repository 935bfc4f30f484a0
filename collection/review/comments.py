"""Reviewers' and focal points' comments on a submission's tables, threaded per table."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from collection import access
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.users import User
from collection.models import (
    ReviewComment,
    Submission,
)
from collection.review.workspace import submission_tables

COMMENT_MAX_LENGTH = 5000


def table_comments(*, submission: Submission, indicator: str) -> QuerySet[ReviewComment]:
    return ReviewComment.objects.filter(submission=submission, indicator=indicator).select_related("author")


def comment_add(*, user: User, submission: Submission, indicator: str, text: str) -> ReviewComment:
    """Add a message to the thread of one table of the submission."""
    if not access.may_comment(user, submission):
        raise NotAllowed("Only ILO reviewers and the country's focal points can comment on this submission.")
    text = (text or "").strip()
    if not text:
        raise PortalError("Write a comment before sending it: the message was empty.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise PortalError(f"Keep a comment under {COMMENT_MAX_LENGTH} characters.")
    if "\x00" in text:
        raise PortalError("The comment contains a NUL character, which cannot be stored; remove it.")
    if indicator not in {t.indicator for t in submission_tables(submission)}:
        raise PortalError(f"{indicator or 'That table'} is not a table of this submission.")
    return ReviewComment.objects.create(submission=submission, indicator=indicator, author=user, text=text)


def comment_threads(submission: Submission) -> list[dict[str, Any]]:
    """The comments of each table that has any, oldest first: what the focal point reads and answers."""
    threads: dict[str, list[ReviewComment]] = {}
    for comment in submission.comments.select_related("author"):
        threads.setdefault(comment.indicator, []).append(comment)
    return [{"indicator": indicator, "comments": comments} for indicator, comments in threads.items()]
