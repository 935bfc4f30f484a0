"""Absolute links into the portal, for mails and files that leave it."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def portal_link(name: str, **kwargs: str | int) -> str:
    """An absolute link for a mail: no request is there to tell the host, so settings.PORTAL_URL does."""
    return settings.PORTAL_URL + reverse(name, kwargs=kwargs)
