"""The audit log: who did what, when and from where. Rows are only ever added."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    SUBMISSION_UPLOADED = "submission.uploaded", "Upload"
    SUBMISSION_STATUS = "submission.status", "Submission status change"
    SUBMISSION_SUBMITTED = "submission.submitted", "Submitted for review"
    SUBMISSION_APPROVED = "submission.approved", "Approval"
    SUBMISSION_RETURNED = "submission.returned", "Return"
    SUBMISSION_PUBLISHED = "submission.published", "Publication"
    RELEASE_CREATED = "release.created", "Release scheduled"
    RELEASE_CHANGED = "release.changed", "Release changed"
    RELEASE_WITHDRAWN = "release.withdrawn", "Release withdrawn"
    ROUND_CREATED = "round.created", "Round created"
    ROUND_CHANGED = "round.changed", "Round changed"
    ROUND_OPENED = "round.opened", "Round opened"
    ROUND_EXTENDED = "round.extended", "Deadline extended"
    ROUND_CLOSED = "round.closed", "Round closed"
    ROUND_REOPENED = "round.reopened", "Round reopened"
    ROUND_COUNTRY_REOPENED = "round.country_reopened", "Round reopened for a country"
    ROUND_ARCHIVED = "round.archived", "Round archived"
    REGION_CREATED = "region.created", "Region created"
    REGION_CHANGED = "region.changed", "Region changed"
    USER_INVITED = "user.invited", "User invited"
    USER_JOINED = "user.joined", "Invitation accepted"
    USER_CREATED = "user.created", "User created"
    USER_ROLE = "user.role", "Role changed"
    USER_COUNTRIES = "user.countries", "Countries changed"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_ACTIVATED = "user.activated", "User reactivated"
    USER_PASSWORD = "user.password", "Password set or reset"
    USER_SIGNIN_FAILED = "user.signin_failed", "Failed sign-in"
    USER_LOCKED_OUT = "user.locked_out", "Sign-in locked"
    USER_RESET_REQUESTED = "user.reset_requested", "Password reset asked for"
    USER_TOKEN_CREATED = "user.token_created", "API token created"
    USER_TOKEN_ROTATED = "user.token_rotated", "API token rotated"
    USER_TOKEN_REVOKED = "user.token_revoked", "API token revoked"


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise TypeError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One recorded action. No foreign keys that could cascade or be nulled: names are kept as they were."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, help_text="The username then, or 'system' for the worker.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=40)
    object_label = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=3, blank=True, db_index=True, help_text="ISO3 of the country concerned.")
    round_name = models.CharField(max_length=100, blank=True)
    summary = models.TextField(help_text="What happened, in a sentence.")
    detail = models.JSONField(default=dict, blank=True, help_text="Before and after, comments, counts.")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The audit log is append-only.")
