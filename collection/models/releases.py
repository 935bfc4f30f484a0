"""Releases: the moment the public sees published values, fixed in advance (an embargo) or at publication."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Release(models.Model):
    """A group of approved submissions the public sees at one moment, under a title and a note.

    An admin schedules one ahead (`public_at` in the future: an embargo) and reviewers approve into it; an
    approval without one gets a release of its own, public the moment it is published. Until `public_at`
    nothing of it is public; a withdrawn release never is. Whether a value is public is decided by the clock
    at the moment of the read, so nothing has to run at the release moment.
    """

    title = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    # Null only for a release of one approval that is not yet published (it becomes public at publication).
    public_at = models.DateTimeField(null=True, blank=True)
    scheduled = models.BooleanField(default=False, help_text="Set by an admin ahead (not made by an approval).")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-public_at", "-id"]
        indexes = [models.Index(fields=["public_at"], name="release_public_at")]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def public_q(at: datetime, prefix: str = "") -> Q:
        """The releases public at `at` (a lookup `prefix` reaches them from another model)."""
        return Q(**{f"{prefix}public_at__lte": at, f"{prefix}withdrawn_at__isnull": True})

    def is_public(self, at: datetime | None = None) -> bool:
        moment = at or timezone.now()
        return self.withdrawn_at is None and self.public_at is not None and self.public_at <= moment

    def is_upcoming(self, at: datetime | None = None) -> bool:
        """Scheduled, not withdrawn and still ahead: it can be moved, withdrawn and joined by an approval."""
        moment = at or timezone.now()
        return self.withdrawn_at is None and self.public_at is not None and self.public_at > moment

    @property
    def state(self) -> str:
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "released" if self.is_public() else "scheduled"
