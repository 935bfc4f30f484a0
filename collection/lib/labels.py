"""Codes in words for what people read (pages and e-mails): "15+ · Foreign-born · Female · 2025", with the
codes kept beside it for those who work with them.

The labels of the whole catalogue (about 1,400 codes, the source types, the countries and the tables' titles)
are read in four queries and kept in Django's cache, so that a page of a thousand cells asks the database
once, not once per cell. A change to the catalogue in this process forgets them at once (signals below and
`catalogue_load`); another process (the worker that sends the e-mails) sees it within LABELS_TTL."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from collection.models import DIMENSIONS, Code, Country, SourceType, TableDefinition

CACHE_KEY = "collection:catalogue-labels"
LABELS_TTL = 600  # seconds
SEPARATOR = " · "
# The order a person reads a cell in: the breakdowns, then sex, then the year ("15+ · Foreign-born · Female · 2025").
KEY_PARTS = (*(c for c in DIMENSIONS if c != "sex"), "sex", "time")


def catalogue_labels() -> dict[str, str]:
    """Every code of the catalogue → its label: code-list codes, source types, countries (ISO3 → name) and
    indicators (→ the table's title). Codes of different kinds never collide (code-list codes carry their
    list's prefix), so one mapping serves them all."""
    labels = cache.get(CACHE_KEY)
    if labels is None:
        labels = dict(Code.objects.values_list("code", "label"))
        labels |= dict(SourceType.objects.values_list("code", "label"))
        labels |= dict(Country.objects.values_list("iso3", "name"))
        labels |= dict(TableDefinition.objects.values_list("indicator", "title"))
        cache.set(CACHE_KEY, labels, LABELS_TTL)
    return labels


def labels_forget() -> None:
    """Drop the cached labels: the next page reads the catalogue again."""
    cache.delete(CACHE_KEY)


@receiver([post_save, post_delete], sender=Code)
@receiver([post_save, post_delete], sender=SourceType)
@receiver([post_save, post_delete], sender=Country)
@receiver([post_save, post_delete], sender=TableDefinition)
def _catalogue_changed(**kwargs: Any) -> None:
    labels_forget()


def code_label(code: str | None) -> str:
    """The label of one code; the code itself when the catalogue does not know it (or '' for none)."""
    if not code:
        return ""
    return catalogue_labels().get(code, code)


def _part(key: object, name: str) -> str:
    """One column of a key given as an object (a row, an issue, an observation) or a mapping; '' if absent."""
    value = key.get(name) if isinstance(key, dict) else getattr(key, name, None)
    return str(value) if value not in (None, "") else ""


def key_codes(key: object) -> list[str]:
    """The key's codes in reading order, the empty ones left out."""
    return [value for value in (_part(key, name) for name in KEY_PARTS) if value]


def key_label(key: object) -> str:
    """The cell a key points at, in words: "15+ · Foreign-born · Female · 2025" (years read as they are)."""
    labels = catalogue_labels()
    return SEPARATOR.join(labels.get(code, code) for code in key_codes(key))


def key_code_text(key: object) -> str:
    """The same cell in codes: "AGE_YTHADULT_YGE15 · CBR_BIR_FOREIGN · SEX_F · 2025"."""
    return SEPARATOR.join(key_codes(key))
