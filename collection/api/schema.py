"""The schema documents every answer an operation can give, its errors included, by one rule for all of them:
which errors an operation can meet follows from what it is (its method, its path, its body, who may call it),
so no view lists them by hand and a new endpoint is documented like the others."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny


class ErrorSerializer(serializers.Serializer):
    """An error: one sentence that says what went wrong and, where it helps, what to do instead."""

    detail = serializers.CharField()


class BadRequestSerializer(serializers.Serializer):
    """A refused request: `detail` (one sentence), or the fields' own messages, each a list of sentences under
    the field's name (`{"deadline": ["Date has wrong format. ..."]}`; `non_field_errors` for the whole)."""

    detail = serializers.CharField(required=False)


def _answer(description: str, body: type[serializers.Serializer] = ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(body, description=description)


BAD_REQUEST = _answer(
    "A parameter or field is missing or wrong (a NUL character anywhere included), or the rules refuse the action: "
    "the sentence says which and why.",
    BadRequestSerializer,
)
UNAUTHORIZED = _answer("The token or session given is not valid (send `Authorization: Token <key>`).")
FORBIDDEN = _answer("Signed in, but the role does not allow this (or the session form lacks its CSRF token).")
NOT_FOUND = _answer(
    "Nothing by that id that the caller may see (another country's work answers as missing), no such page of the "
    "list, or an unknown `format`."
)
NOT_ACCEPTABLE = _answer("None of the media types the `Accept` header names can be answered.")
CONFLICT = _answer("The object is not in a state that allows this (e.g. approving what was not submitted).")
TOO_LARGE = _answer("The request's form fields are larger than the portal accepts.")
UNSUPPORTED = _answer("The body's Content-Type is not one this operation reads.")
THROTTLED = _answer("Too many requests: the `Retry-After` header says in how many seconds to try again.")

# A move (POST, PUT, PATCH) on these resources can meet a state that refuses it.
STATEFUL = ("/submissions/", "/rounds/", "/releases/")


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error answers added to what each view declares."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        for code, answer in self.error_answers().items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(answer, str(code), ["application/json"], direction)
        return bodies

    def error_answers(self) -> dict[int, OpenApiResponse]:
        """The errors this operation can answer: any request can carry a bad parameter, a bad token, an unknown
        `format` or an unacceptable `Accept`, and be throttled; the others depend on what the operation does."""
        answers = {400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND, 406: NOT_ACCEPTABLE, 429: THROTTLED}
        public_read = self.method in SAFE_METHODS and all(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )
        if not public_read:
            answers[403] = FORBIDDEN
        unsafe = self.method not in SAFE_METHODS
        if unsafe and any(part in self.path for part in STATEFUL):
            answers[409] = CONFLICT
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            answers[413] = TOO_LARGE
            answers[415] = UNSUPPORTED
        return dict(sorted(answers.items()))
