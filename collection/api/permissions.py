"""The API's own permission: reads for anyone signed in, writes for portal admins."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from collection import access


class IsAdminOrReadOnly(BasePermission):
    """Anyone signed in reads; only portal admins write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return access.is_admin(request.user)
