"""ILOSTAT's long layout: the columns every observation row has, staged or published."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

DIMENSIONS = ("sex", "classif1", "classif2")  # the breakdowns of a table
# What identifies a value; every other list of key columns (an issue's, a series', a cell read aloud) is derived
# from this one.
KEY_COLUMNS = ("indicator", "ref_area", "source", *DIMENSIONS, "time")
VALUE_COLUMNS = ("obs_value", "obs_status", "note", "note_classif", "note_indicator", "note_source")
LAYOUT_COLUMNS = KEY_COLUMNS + VALUE_COLUMNS


class ExactValueField(models.DecimalField):
    """A value exactly as the country gave it (numeric on PostgreSQL), read back with its own digits only.

    A float turns 750.664 into 750.6640000000001 as soon as it is added to or subtracted from. Ten decimals of a
    thousand persons are far below one person; 18 digits before the point are more than any count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 28)
        kwargs.setdefault("decimal_places", 10)
        super().__init__(*args, **kwargs)

    def from_db_value(
        self, value: Decimal | float | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> Decimal | None:
        return value_exact(value)


class LongLayoutRow(models.Model):
    """One observation in the long layout; an empty classif2 is '' (not NULL) so that keys compare equal."""

    indicator = models.CharField(max_length=60)
    ref_area = models.CharField(max_length=3)
    source = models.CharField(max_length=10)
    sex = models.CharField(max_length=20)
    classif1 = models.CharField(max_length=60)
    classif2 = models.CharField(max_length=60, blank=True, default="")
    time = models.CharField(max_length=10)
    obs_value = ExactValueField()
    obs_status = models.CharField(max_length=2, blank=True, default="")
    note = models.TextField(blank=True, default="")
    note_classif = models.TextField(blank=True, default="")
    note_indicator = models.TextField(blank=True, default="")
    note_source = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


def value_exact(value: Decimal | float | None) -> Decimal | None:
    """A value with the digits it was given and no more: 412.6 (not 412.6000000000), 1500 (not 1.5E+3).

    A float read from a column frame is taken by its shortest repr, which is the decimal text it came from
    (any value of up to 15 significant digits survives the trip through a double)."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not number.is_finite():
        return number
    number = number.normalize()
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number
