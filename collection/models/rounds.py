"""Consultation rounds: which countries report which tables for which reference years, by when."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from collection.models.catalogue import Country, Region, TableDefinition


def default_reminder_days() -> list[int]:
    """Two weeks and three days before the deadline, unless the round says otherwise."""
    return [14, 3]


class RoundStatus(models.TextChoices):
    """Where a round is in its year; what each status means is asked here (the moves are in rounds/lifecycle.py)."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"

    @classmethod
    def changeable(cls) -> frozenset[RoundStatus]:
        """Its terms (name, years, deadlines, countries, tables) may still change: an archived round may not."""
        return frozenset({cls.DRAFT, cls.OPEN, cls.CLOSED})

    @classmethod
    def ended(cls) -> frozenset[RoundStatus]:
        """It no longer takes uploads from every country (its progress stops at its closing)."""
        return frozenset({cls.CLOSED, cls.ARCHIVED})

    @classmethod
    def display_order(cls) -> tuple[RoundStatus, ...]:
        """The order in which lists show rounds: those at work first."""
        return (cls.OPEN, cls.DRAFT, cls.CLOSED, cls.ARCHIVED)


class Round(models.Model):
    """One yearly consultation round."""

    Status = RoundStatus

    name = models.CharField(max_length=100, unique=True)
    reference_years = models.JSONField(help_text="The years asked for, e.g. [2024, 2025].")
    # The region whose countries the round asks; its countries are members of it (see forms/rounds.py).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rounds", null=True, blank=True)
    countries = models.ManyToManyField(Country, related_name="rounds")
    tables = models.ManyToManyField(TableDefinition, related_name="rounds")
    opens_on = models.DateField(
        null=True, blank=True, help_text="A draft round opens by itself on this day; leave empty to open it by hand."
    )
    deadline = models.DateField()
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        help_text="Days before the deadline on which focal points are reminded, e.g. [14, 3].",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deadline", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=RoundStatus.values), name="round_status_valid")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        years = self.reference_years
        if not isinstance(years, list) or not years or not all(isinstance(y, int) for y in years):
            raise ValidationError({"reference_years": "Give a list of years, e.g. [2024, 2025]."})
        if any(y < 1950 or y > 2100 for y in years):
            raise ValidationError({"reference_years": "Reference years must lie between 1950 and 2100."})
        self.reference_years = sorted(set(years))
        days = self.reminder_days
        if days and (not isinstance(days, list) or not all(isinstance(d, int) and 0 < d <= 365 for d in days)):
            raise ValidationError({"reminder_days": "Give days before the deadline, e.g. [14, 3]."})
        if days:
            self.reminder_days = sorted(set(days), reverse=True)
        if self.opens_on and self.deadline and self.opens_on > self.deadline:
            raise ValidationError({"deadline": "The deadline must fall on or after the opening day."})

    @property
    def is_changeable(self) -> bool:
        """False once archived: nothing about the round changes any more."""
        return self.status in self.Status.changeable()

    @property
    def years_label(self) -> str:
        years = self.reference_years or []
        return ", ".join(str(y) for y in years)


class RoundCountry(models.Model):
    """What differs for one country of a round: a later deadline, or uploads reopened after the round closed."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="country_terms")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    deadline = models.DateField(null=True, blank=True, help_text="Overrides the round's deadline for this country.")
    reopened = models.BooleanField(default=False, help_text="Accept uploads although the round is closed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "country"], name="one_terms_per_round_country")]

    def __str__(self) -> str:
        return f"{self.round} · {self.country_id}"


class DraftTable(models.Model):
    """Values a focal point typed in the browser grid for one table, kept until sent for validation."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="drafts")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="drafts")
    table = models.ForeignKey(TableDefinition, on_delete=models.CASCADE, related_name="drafts")
    source = models.CharField(max_length=10, blank=True, help_text="Source type code of the values")
    values = models.JSONField(default=dict, help_text='{"<classif1>|<time>|<classif2>|<sex>": "text typed"}')
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "country", "table"], name="one_draft_per_table")]

    def __str__(self) -> str:
        return f"Draft {self.table_id} {self.country_id} {self.round}"
