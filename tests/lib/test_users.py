"""The one user type: annotations name the model that authentication really hands out."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from collection.lib.users import RequestUser, User


def test_user_type_is_the_configured_user_model() -> None:
    assert User is get_user_model()


def test_request_user_covers_visitors_and_signed_in_users(client: Client, focal_point: User) -> None:
    anonymous = client.get("/").wsgi_request.user
    client.force_login(focal_point)
    signed_in = client.get("/").wsgi_request.user

    assert isinstance(anonymous, AnonymousUser) and isinstance(anonymous, RequestUser)
    assert isinstance(signed_in, User) and isinstance(signed_in, RequestUser)
    assert signed_in.pk == focal_point.pk
