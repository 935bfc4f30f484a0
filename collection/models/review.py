"""What a focal point and a reviewer write about a submission: answers to warnings, comments per table."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from collection.models.submissions import Submission, ValidationIssue


class WarningExplanation(models.Model):
    """A focal point's answer to one warning, or to every warning of a rule (in one table, or in all)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="explanations")
    rule = models.CharField(max_length=60)
    indicator = models.CharField(max_length=60, blank=True, help_text="Empty: the rule's warnings in every table.")
    issue = models.ForeignKey(
        ValidationIssue,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="explanations",
        help_text="Empty: every warning of the rule (in the table, if one is given).",
    )
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule", "indicator", "issue_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "issue"], condition=models.Q(issue__isnull=False), name="one_answer_per_warning"
            ),
            models.UniqueConstraint(
                fields=["submission", "rule", "indicator"],
                condition=models.Q(issue__isnull=True),
                name="one_answer_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.submission_id} {self.rule} {self.indicator or 'all tables'}: {self.text[:40]}"

    @property
    def scope(self) -> str:
        if self.issue_id:
            return "this warning"
        return f"every {self.rule} warning" + (f" in {self.indicator}" if self.indicator else "")


class ReviewComment(models.Model):
    """One message of the thread about one table of a submission (reviewers and the country's focal points)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    indicator = models.CharField(max_length=60)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["submission", "indicator"])]

    def __str__(self) -> str:
        return f"#{self.submission_id} {self.indicator} by {self.author}"
