from decimal import Decimal

from django import template

from ..models import value_exact

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """`mapping|get_item:key` for dictionaries keyed by indicator."""
    return mapping.get(key)


@register.filter
def exact(value: Decimal | float | None, grouping: str = "") -> str:
    """A value with the digits it was given: 1234.567, 412.6 (never 412.6000000001); `exact:"g"` groups the
    thousands (1,234.567)."""
    number = value_exact(value)
    if number is None:
        return ""
    return f"{number:,f}" if grouping == "g" else f"{number:f}"
