"""The history of one published value: every version, from which file, row and reviewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404

from collection import access
from collection.audit.trail import EntryRow, audit_rows
from collection.lib.users import RequestUser
from collection.models import (
    KEY_COLUMNS,
    AuditEntry,
    Observation,
    Review,
    ValidationIssue,
    WarningExplanation,
)
from collection.submissions.explanations import explanation_for, explanation_lookup


@dataclass
class Version:
    """One publication of a key: the value and everything that explains where it came from."""

    observation: Observation
    approval: Review | None
    warnings: list[tuple[ValidationIssue, WarningExplanation | None]]
    audit: list[EntryRow]
    change: Decimal | None = None  # against the version before it, exact


@dataclass
class History:
    observation: Observation  # the one asked about
    versions: list[Version] = field(default_factory=list)


def observation_visible(user: RequestUser, pk: int) -> Observation:
    """A published value the user may trace; anything else is a 404 that does not confirm it exists."""
    observation = Observation.objects.filter(pk=pk).first()
    if observation is None or not access.sees_country(user, observation.ref_area):
        raise Http404("No such published value.")
    return observation


def observation_versions(*, user: RequestUser, pk: int) -> History:
    """Every version of the value's key, the current one first, with its file row, uploader, approver and
    comment, the focal point's answers to the warnings about the value, and the submission's audit trail.
    A version exists only where a value, flag or note changed (publication writes none for a value sent again),
    and versions are in the order of their approvals, which is also the order of a publication that ran late.
    A key has a handful of versions, so each is read as an object."""
    asked = observation_visible(user, pk)
    versions = list(
        Observation.objects.filter(**{c: getattr(asked, c) for c in KEY_COLUMNS})
        .select_related(
            "publication__approved_by",
            "publication__release",
            "submission__uploaded_by",
            "submission__round",
            "superseded_by__release",
        )
        .order_by("-is_current", "-publication__approved_at", "-publication__approval_id", "-id")
    )
    submission_ids = {v.submission_id for v in versions}
    approvals: dict[int, Review] = {}
    for review in Review.objects.filter(
        submission_id__in=submission_ids, decision=Review.Decision.APPROVE
    ).select_related("reviewer"):
        approvals.setdefault(review.submission_id, review)  # newest first by the model's ordering
    # Every version has the same key, so the warnings about it are found by key (never by row: a workbook's
    # sheets share row numbers, and a row holds several values).
    warnings: dict[int, list[ValidationIssue]] = {}
    for issue in ValidationIssue.objects.filter(
        submission_id__in=submission_ids,
        severity=ValidationIssue.Severity.WARNING,
        **{c: getattr(asked, c) for c in KEY_COLUMNS if c != "ref_area"},
    ):
        warnings.setdefault(issue.submission_id, []).append(issue)
    trail: dict[str, list[AuditEntry]] = {}
    for entry in AuditEntry.objects.filter(
        object_type="submission", object_id__in=[str(i) for i in submission_ids]
    ).order_by("at", "id"):
        trail.setdefault(entry.object_id, []).append(entry)

    history = History(observation=asked)
    for v in versions:
        issues = warnings.get(v.submission_id, [])
        lookup = explanation_lookup(v.submission) if issues else {}
        answered = [(i, explanation_for(lookup, rule=i.rule, indicator=i.indicator, issue_id=i.pk)) for i in issues]
        history.versions.append(
            Version(
                observation=v,
                approval=approvals.get(v.submission_id),
                warnings=answered,
                audit=audit_rows(trail.get(str(v.submission_id), []), user),
            )
        )
    for newer, older in zip(history.versions, history.versions[1:], strict=False):
        newer.change = newer.observation.obs_value - older.observation.obs_value
    return history
