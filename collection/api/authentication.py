"""DRF's token authentication, with failures counted like wrong passwords: an address that sends unknown tokens
AXES_FAILURE_LIMIT times is refused for the cool-off, even with a good token (as a right password is during a
sign-in lockout). Tokens never pass through authenticate(), so axes would not see them otherwise."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from collection.audit.record import client_ip
from collection.lib.users import User
from collection.people.signin import API_TOKEN_DOOR, door_failed, door_locked, lock_lifts_at, lock_sentence

KEY_LENGTH = Token._meta.get_field("key").max_length or 40


class GuardedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        """A key no token can have (too long, a NUL byte: PostgreSQL refuses to compare it) is simply unknown."""
        if len(key) > KEY_LENGTH or "\x00" in key:
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token offered: nothing to count (session or anonymous)
        http_request = request._request  # axes marks the Django request, which its middleware reads
        if door_locked(http_request, API_TOKEN_DOOR):
            until = lock_lifts_at(username=API_TOKEN_DOOR, ip=client_ip(http_request))
            raise Throttled(
                wait=(until - timezone.now()).total_seconds(),
                detail=f"Too many unknown API tokens from your address; try again at {lock_sentence(until)}.",
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            door_failed(http_request, API_TOKEN_DOOR)
            raise
