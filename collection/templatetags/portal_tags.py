from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """`mapping|get_item:key` for dictionaries keyed by indicator."""
    return mapping.get(key)
