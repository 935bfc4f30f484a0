"""Whole numbers and ids typed into an address or a form: `str.isdigit()` alone also says yes to "²" or "٣",
which `int()` and the database refuse, and a number past a bigint makes the database refuse the query — each
was a 500 where the answer is "no such thing" or a form error."""

from __future__ import annotations

BIGINT_DIGITS = 18  # every number of 18 digits fits a bigint id column (up to 9,223,372,036,854,775,807)


def whole_number(text: str) -> bool:
    """Whether `text` is written with the digits 0-9 only, as `int()` reads it."""
    return text.isascii() and text.isdigit()


def record_id(text: str) -> int | None:
    """The id `text` names if it can be one (digits 0-9, small enough for the id column); None otherwise."""
    return int(text) if whole_number(text) and len(text) <= BIGINT_DIGITS else None
