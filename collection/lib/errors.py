"""Domain errors: raised by the services, turned into HTTP answers in one place per interface."""

from __future__ import annotations


class PortalError(Exception):
    """An action the rules do not allow; `message` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(PortalError):
    """The user's role does not allow the action (on an object they may see)."""

    status_code = 403


class WrongState(PortalError):
    """The object is not in a state that allows the action (e.g. approving what was not submitted)."""

    status_code = 409
