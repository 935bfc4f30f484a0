"""Validation rules as data: a kind implemented once in code, with parameters, a severity and a message."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Coalesce

from collection.models.catalogue import TableDefinition
from collection.models.rounds import Round


class RuleKind(models.TextChoices):
    """The rule kinds the worker knows; each is declared and implemented once in collection/validation/kinds/."""

    ADDITIVITY = "additivity", "Additivity along a dimension"
    IDENTITY = "identity", "Identity across tables (total = sum of parts)"
    BOUND = "bound", "Bound (a part never exceeds its total)"
    EQUAL_TOTALS = "equal_totals", "Equal totals across tables"
    YEAR_ON_YEAR = "year_on_year", "Year-on-year change against the published series"
    BREAK_WITHOUT_NOTE = "break_without_note", "Break flag (B) without a note"
    OWN_COUNTRY_PARTNER = "own_country_partner", "Reporting country in its own partner-country list"
    COMPLETENESS = "completeness", "Requested tables and years missing"
    SOURCE_METADATA = "source_metadata", "Source metadata complete before submitting"


class Severity(models.TextChoices):
    """How much an issue weighs: an error keeps the submission from review, a warning asks for a word."""

    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class ValidationRule(models.Model):
    """One rule of the catalogue (round empty) or a round's override of it (same code and table).

    An override replaces the catalogue rule for that round; an inactive override switches it off there. What
    its kind accepts (parameters, placeholders, a table) is the kind's to say: the forms that edit rules ask
    collection.validation.kinds.rule_problems.
    """

    code = models.CharField(max_length=60, help_text="Stable name shown on every issue, e.g. identity.labour_force")
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    table = models.ForeignKey(
        TableDefinition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text="The table the rule belongs to; empty for rules on the whole submission.",
    )
    round = models.ForeignKey(
        Round,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rule_overrides",
        help_text="Empty for the catalogue rule; a round here overrides the catalogue rule of the same code and table.",
    )
    params = models.JSONField(default=dict, blank=True, help_text="Parameters of the kind (see the kind's help).")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    message = models.TextField(help_text="Message template; {placeholders} are filled per issue (see the kind).")
    description = models.TextField(blank=True, help_text="Why the rule exists, for reviewers and admins.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["table__sort_order", "code", "round"]
        constraints = [
            models.UniqueConstraint(
                models.F("code"),
                Coalesce("table", models.Value("")),
                Coalesce("round", models.Value(0)),
                name="rule_unique_per_table_and_round",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=RuleKind.values), name="rule_kind_valid"),
            models.CheckConstraint(condition=models.Q(severity__in=Severity.values), name="rule_severity_valid"),
        ]

    def __str__(self) -> str:
        where = self.table_id or "whole submission"
        return f"{self.code} ({where}{f', round {self.round}' if self.round_id else ''})"
