"""ILOSTAT's long layout: the columns every observation row has, staged or published."""

from __future__ import annotations

from django.db import models

KEY_COLUMNS = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time")
VALUE_COLUMNS = ("obs_value", "obs_status", "note", "note_classif", "note_indicator", "note_source")
LAYOUT_COLUMNS = KEY_COLUMNS + VALUE_COLUMNS


class LongLayoutRow(models.Model):
    """One observation in the long layout; an empty classif2 is '' (not NULL) so that keys compare equal."""

    indicator = models.CharField(max_length=60)
    ref_area = models.CharField(max_length=3)
    source = models.CharField(max_length=10)
    sex = models.CharField(max_length=20)
    classif1 = models.CharField(max_length=60)
    classif2 = models.CharField(max_length=60, blank=True, default="")
    time = models.CharField(max_length=10)
    obs_value = models.FloatField()
    obs_status = models.CharField(max_length=2, blank=True, default="")
    note = models.TextField(blank=True, default="")
    note_classif = models.TextField(blank=True, default="")
    note_indicator = models.TextField(blank=True, default="")
    note_source = models.TextField(blank=True, default="")

    class Meta:
        abstract = True
