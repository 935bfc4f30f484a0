"""Warnings need an answer: a focal point explains each warning (or every warning of a rule at once)
before the submission can go to review, and the reviewer reads the answers beside the warnings."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from . import access
from .errors import NotAllowed, PortalError
from .models import Submission, ValidationIssue, WarningExplanation

EXPLAINABLE_STATUSES = {Submission.Status.VALID}


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


def explanations_by_issue(submission: Submission, issues: list[ValidationIssue]) -> dict[int, WarningExplanation]:
    """For each warning shown, the explanation that answers it: its own, else its rule's in its table, else
    its rule's for every table."""
    answers = list(submission.explanations.select_related("author"))
    own = {a.issue_id: a for a in answers if a.issue_id}
    by_rule = {(a.rule, a.indicator): a for a in answers if not a.issue_id}
    out = {}
    for i in issues:
        if i.severity != ValidationIssue.Severity.WARNING:
            continue
        found = own.get(i.pk) or by_rule.get((i.rule, i.indicator or "")) or by_rule.get((i.rule, ""))
        if found:
            out[i.pk] = found
    return out


@transaction.atomic
def explanation_save(
    *,
    user,
    submission: Submission,
    text: str,
    issue: ValidationIssue | None = None,
    rule: str | None = None,
    indicator: str = "",
) -> WarningExplanation:
    """Answer one warning (`issue`) or every warning of `rule` (in `indicator`, or in every table)."""
    if not access.upload_countries(user).filter(pk=submission.country_id).exists():
        raise NotAllowed("Only a focal point of this country can explain its warnings.")
    if submission.status not in EXPLAINABLE_STATUSES:
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
