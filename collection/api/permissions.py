from rest_framework.permissions import SAFE_METHODS, BasePermission

from collection import access


class IsAdminOrReadOnly(BasePermission):
    """Anyone signed in reads; only portal admins write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return access.is_admin(request.user)
