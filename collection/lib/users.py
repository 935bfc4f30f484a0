"""The one user type: the portal keeps Django's own user model (AUTH_USER_MODEL is not swapped)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

# `request.user` before a login check: the signed-in user, or an anonymous visitor.
RequestUser = User | AnonymousUser

__all__ = ["RequestUser", "User"]
