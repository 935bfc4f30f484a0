"""Who a user is in the collection: a focal point for some countries, an ILO reviewer, or an admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from collection.models.catalogue import Country


class Role(models.TextChoices):
    FOCAL_POINT = "focal_point", "Focal point"
    REVIEWER = "reviewer", "ILO reviewer"
    ADMIN = "admin", "Admin"


class Profile(models.Model):
    """The portal role of a user and, for a focal point, the countries they report for."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=Role.choices)
    countries = models.ManyToManyField(Country, blank=True, related_name="focal_points")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="profile_role_valid")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Invitation(models.Model):
    """An e-mailed link that lets a new user set their password; it expires, and a new one can be sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.user} ({self.sent_at:%Y-%m-%d})"


class NotificationPreference(models.Model):
    """Which e-mails a user has turned off; everything is sent unless switched off here."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    round_opened = models.BooleanField(default=True, help_text="A round that includes my country opens.")
    validation_finished = models.BooleanField(default=True, help_text="The check of my upload has finished.")
    review_outcome = models.BooleanField(default=True, help_text="My submission is returned, approved or published.")
    reminder_before = models.BooleanField(default=True, help_text="Reminders before a deadline.")
    reminder_overdue = models.BooleanField(default=True, help_text="Reminders when a deadline has passed.")

    def __str__(self) -> str:
        return f"E-mail preferences of {self.user}"


class ReminderSent(models.Model):
    """One deadline reminder sent to one user; the unique key is what keeps it from being sent twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", "Before the deadline"
        OVERDUE = "overdue", "Overdue"

    round = models.ForeignKey("collection.Round", on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    days = models.IntegerField(help_text="Days before the deadline (0 for overdue).")
    deadline = models.DateField(help_text="The deadline reminded of: an extension earns new reminders.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "country", "user", "kind", "days", "deadline"], name="one_reminder_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.days} to {self.user} for {self.round} {self.country_id}"
