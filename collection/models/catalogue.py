"""The catalogue: reporting countries, ILOSTAT code lists, source types, flags and the standard tables."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models


class Country(models.Model):
    """A reporting country, keyed by ISO 3166 alpha-3; the regions it belongs to group it with others."""

    iso3 = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return f"{self.name} ({self.iso3})"


class Region(models.Model):
    """A group of reporting countries whose consultation rounds, pages and data go together (ASEAN was the
    first). Its members are data an admin edits; "intra-regional" means between two of its members."""

    code = models.CharField(
        max_length=20,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9_]{1,19}$", "Use 2-20 capital letters, digits or _, e.g. ASEAN.")],
        help_text="A short code in capitals, e.g. ASEAN; it appears in addresses and file names.",
    )
    name = models.CharField(max_length=200, unique=True)
    countries = models.ManyToManyField(Country, related_name="regions", blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CodeList(models.Model):
    """An ILOSTAT classification (SEX, AGE_YTHADULT, ECO_ISIC4, CBR_BRT, ...)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed list"
        PARTNER = "partner", "Partner countries"

    id = models.CharField(max_length=40, primary_key=True, help_text="e.g. ECO_ISIC4, CBR_BRT")
    label = models.CharField(max_length=200)
    prefix = models.CharField(max_length=40, help_text="e.g. ECO_ISIC4_")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLOSED)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["closed", "partner"]), name="codelist_kind_valid")
        ]

    def __str__(self) -> str:
        return self.id


class Code(models.Model):
    """One code of a code list; `is_total` marks the aggregate that additivity checks the parts against."""

    codelist = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    is_total = models.BooleanField(default=False)
    optional = models.BooleanField(
        default=False, help_text="A part that may be absent without skipping the additivity check (e.g. SEX_O)."
    )
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["codelist", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["codelist", "code"], name="code_unique_in_list")]

    def __str__(self) -> str:
        return self.code


class SourceType(models.Model):
    """An ILOSTAT source type (BA labour force survey, AA census, FA administrative records, ...)."""

    code = models.CharField(max_length=10, primary_key=True)
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ObservationStatus(models.Model):
    """An observation-status flag (A, B, I, M, R, U)."""

    code = models.CharField(max_length=2, primary_key=True)
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "observation statuses"

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class TableDefinition(models.Model):
    """A standard table: one ILOSTAT indicator with its unit and the code list of each dimension."""

    class Measure(models.TextChoices):
        STOCK = "stock", "Stock"
        FLOW = "flow", "Flow"

    indicator = models.CharField(max_length=60, primary_key=True)
    title = models.CharField(max_length=300)
    unit = models.CharField(max_length=10, default="NB", help_text="NB = thousands of persons")
    measure = models.CharField(max_length=10, choices=Measure.choices, default=Measure.STOCK)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "indicator"]

    def __str__(self) -> str:
        return self.indicator


class TableDimension(models.Model):
    """Which code list a dimension column (sex, classif1, classif2) of a table draws its codes from."""

    class Column(models.TextChoices):
        SEX = "sex", "sex"
        CLASSIF1 = "classif1", "classif1"
        CLASSIF2 = "classif2", "classif2"

    table = models.ForeignKey(TableDefinition, on_delete=models.CASCADE, related_name="dimensions")
    column = models.CharField(max_length=10, choices=Column.choices)
    codelist = models.ForeignKey(CodeList, on_delete=models.PROTECT, related_name="dimensions")

    class Meta:
        ordering = ["table", "column"]
        constraints = [
            models.UniqueConstraint(fields=["table", "column"], name="dimension_unique_per_table"),
            models.CheckConstraint(
                condition=models.Q(column__in=["sex", "classif1", "classif2"]), name="dimension_column_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table_id}.{self.column} = {self.codelist_id}"
