"""Warnings need an answer: a focal point explains each warning (or every warning of a rule at once)
before the submission can go to review, and the reviewer reads the answers beside the warnings."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from collection import access
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.users import User
from collection.models import Submission, ValidationIssue, WarningExplanation


def _rule_answers(submission: Submission) -> Q | None:
    """Warnings covered by a rule-level answer (for one table, or for every table when none is named)."""
    covered = None
    for rule, indicator in submission.explanations.filter(issue=None).values_list("rule", "indicator"):
        q = Q(rule=rule) if not indicator else Q(rule=rule, indicator=indicator)
        covered = q if covered is None else covered | q
    return covered


def warnings_unanswered(submission: Submission) -> QuerySet[ValidationIssue]:
    """The submission's warnings that no explanation covers yet."""
    warnings = submission.issues.filter(severity=ValidationIssue.Severity.WARNING).exclude(explanations__isnull=False)
    covered = _rule_answers(submission)
    return warnings.exclude(covered) if covered is not None else warnings


AnswerLookup = dict[object, WarningExplanation]  # keyed by issue id, or by (rule, indicator) for rule-wide ones


def explanation_lookup(submission: Submission) -> AnswerLookup:
    """Every answer of the submission, read once, for `explanation_for`."""
    return {
        a.issue_id if a.issue_id else (a.rule, a.indicator): a for a in submission.explanations.select_related("author")
    }


def explanation_for(
    lookup: AnswerLookup, *, rule: str, indicator: str | None, issue_id: int | None = None
) -> WarningExplanation | None:
    """The answer that covers a warning (or, without `issue_id`, a rule's warnings in a table): its own, else
    its rule's in its table, else its rule's for every table."""
    return (lookup.get(issue_id) if issue_id else None) or lookup.get((rule, indicator or "")) or lookup.get((rule, ""))


def explanations_by_issue(submission: Submission, issues: list[ValidationIssue]) -> dict[int, WarningExplanation]:
    """For each warning shown, the explanation that answers it."""
    lookup = explanation_lookup(submission)
    out = {}
    for i in issues:
        if i.severity == ValidationIssue.Severity.WARNING:
            found = explanation_for(lookup, rule=i.rule, indicator=i.indicator, issue_id=i.pk)
            if found:
                out[i.pk] = found
    return out


@transaction.atomic
def explanation_save(
    *,
    user: User,
    submission: Submission,
    text: str,
    issue: ValidationIssue | None = None,
    rule: str | None = None,
    indicator: str = "",
) -> WarningExplanation:
    """Answer one warning (`issue`) or every warning of `rule` (in `indicator`, or in every table)."""
    if not access.may_upload(user, submission.country_id):
        raise NotAllowed("Only a focal point of this country can explain its warnings.")
    if submission.status not in Submission.Status.explainable():
        raise PortalError("Warnings can be explained while the submission is valid and not yet sent for review.")
    text = (text or "").strip()
    if not text:
        raise PortalError("Write the explanation: what the reviewer should know about this warning.")
    if issue is not None:
        if issue.submission_id != submission.pk or issue.severity != ValidationIssue.Severity.WARNING:
            raise PortalError("Only the warnings of this submission can be explained.")
        answer, _ = WarningExplanation.objects.update_or_create(
            submission=submission,
            issue=issue,
            defaults={"rule": issue.rule, "indicator": issue.indicator or "", "text": text, "author": user},
        )
        return answer
    indicator = indicator or ""
    warnings = submission.issues.filter(severity=ValidationIssue.Severity.WARNING, rule=rule or "")
    if indicator:
        warnings = warnings.filter(indicator=indicator)
    if not warnings.exists():
        raise PortalError(f"This submission has no {rule} warning{f' in {indicator}' if indicator else ''}.")
    answer, _ = WarningExplanation.objects.update_or_create(
        submission=submission, issue=None, rule=rule, indicator=indicator, defaults={"text": text, "author": user}
    )
    return answer
