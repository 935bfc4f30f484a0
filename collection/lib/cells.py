"""What a person typed in a spreadsheet cell, as text: shared by the workbook reader and the browser entry."""

from __future__ import annotations

import datetime as dt
import re


def cell_text(value: object) -> str | None:
    """Spreadsheet cells as the text a person typed: 2024.0 is "2024", dates are ISO, empty is None."""
    if type(value) is str:  # most cells: checked first, the reader calls this for every cell
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        # 15 significant digits, what a spreadsheet holds and shows: a binary artefact such as 2.4000000000000004
        # (Excel's cached formula results; LibreOffice writes the same cell as 2.4) reads as typed.
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


NO_VALUE = {"", "..", "...", "…", "-", "–", "—", "n.a.", "n.a", "na", "n/a", "x"}


THOUSANDS = re.compile(r"^-?\d{1,3}([,\u00a0 '’]\d{3})+(\.\d+)?$")


DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


SPACES = re.compile(r"[\s\u00a0\u202f]")


def cell_value(value: object) -> str | None:
    """A cell as the number a person meant, as text; None when it says "no value"."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        return cell_text(value)
    text = str(value or "").strip()
    if text.lower() in NO_VALUE:
        return None
    compact = SPACES.sub("", text)
    if THOUSANDS.match(text) or THOUSANDS.match(compact):
        return re.sub(r"[,\u00a0 '’]", "", text)
    if DECIMAL_COMMA.match(compact):
        return compact.replace(",", ".")
    return compact if re.fullmatch(r"-?\d+(\.\d+)?", compact) else text
