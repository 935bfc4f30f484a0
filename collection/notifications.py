"""E-mail notifications (placeholder interface until written, issue 5)."""

from __future__ import annotations

import datetime as dt


def submission_status_notify(submission_id: int, status: str) -> None:
    """Tell the people concerned that a submission reached `status` (validated, returned, approved, published)."""


def round_opened_notify(round_id: int) -> None:
    """Tell the focal points of a round's countries that it opened, with their workbook link."""


def reminders_send(today: dt.date | None = None) -> int:
    """Send the deadline reminders due today that were not sent before; returns how many were sent."""
    return 0
