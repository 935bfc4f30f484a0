"""Who a user is in the collection: a focal point for some countries, an ILO reviewer, or an admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .catalogue import Country


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
