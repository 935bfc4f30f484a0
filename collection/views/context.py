from __future__ import annotations

from django.http import HttpRequest

from collection import access
from collection.models import Role


def portal(request: HttpRequest) -> dict[str, Role | bool | None]:
    """The user's role for the navigation bar."""
    user = request.user
    return {
        "role": access.user_role(user),
        "is_focal_point": access.is_focal_point(user),
        "is_reviewer": access.is_reviewer(user),
        "is_portal_admin": access.is_admin(user),
    }
