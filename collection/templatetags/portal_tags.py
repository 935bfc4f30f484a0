"""Small template helpers shared by the pages: dictionary lookups, codes in words (labels first, codes
second, from `collection.labels`), and values with the digits they were given."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from collection.lib.labels import code_label, key_code_text, key_label
from collection.models import value_exact

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, object], key: str) -> object:
    """`mapping|get_item:key` for dictionaries keyed by indicator."""
    return mapping.get(key)


@register.filter
def label(code: str | None) -> str:
    """`{{ code|label }}`: the code's label from the catalogue, or the code itself when it has none."""
    return code_label(code)


@register.simple_tag
def coded(code: str | None) -> SafeString:
    """`{% coded code %}`: the label, then the code in small print (the code alone when it has no label)."""
    if not code:
        return mark_safe("")
    text = code_label(code)
    if text == code:
        return format_html('<code class="code">{}</code>', code)
    return format_html('{} <small class="code">{}</small>', text, code)


@register.simple_tag
def cell_label(key: Any, codes: str = "hover") -> SafeString:
    """`{% cell_label row %}`: the cell of a key (a row, an issue, an observation) in words — "15+ ·
    Foreign-born · Female · 2025" — with its codes on hover, or also in small print with `codes="small"`."""
    words = key_label(key)
    if not words:
        return mark_safe("")
    codes_text = key_code_text(key)
    shown = format_html('<span class="cell-label" title="{}">{}</span>', codes_text, words)
    if codes == "small":
        return format_html('{} <small class="code">{}</small>', shown, codes_text)
    return shown


@register.filter
def exact(value: Decimal | float | None, grouping: str = "") -> str:
    """A value with the digits it was given: 1234.567, 412.6 (never 412.6000000001); `exact:"g"` groups the
    thousands (1,234.567)."""
    number = value_exact(value)
    if number is None:
        return ""
    return f"{number:,f}" if grouping == "g" else f"{number:f}"
