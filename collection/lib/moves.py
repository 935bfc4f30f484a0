"""The shape of a state machine's table, shared by the rounds' and the submissions' moves."""

from __future__ import annotations

from typing import NamedTuple


class Move(NamedTuple):
    """One named move: the statuses it may start from, the status it leads to, what the audit log calls it,
    and the worker task (by registered name, see lib/queue.py) sent with the object's id once it commits."""

    sources: frozenset[str]
    target: str
    audit: str
    then: str | None = None
