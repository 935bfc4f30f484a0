"""The one user type: the portal keeps Django's own user model (AUTH_USER_MODEL is not swapped)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from rest_framework.request import Request

# `request.user` before a login check: the signed-in user, or an anonymous visitor.
RequestUser = User | AnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page behind a login check (`login_required`, the guards in `access`): its user has
    signed in, so the page hands `request.user` to services that take a `User`. For the type checker only."""

    user: User


class AuthenticatedRequest(Request):
    """The same for an API request behind `IsAuthenticated` (the API's default) or `IsAdminOrReadOnly`."""

    user: User


__all__ = ["AuthenticatedHttpRequest", "AuthenticatedRequest", "RequestUser", "User"]
