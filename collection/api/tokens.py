"""The owner's API token: see whether it exists, create, rotate (the old key stops at once) and revoke it.
The services in people/tokens.py decide and audit; these views translate."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from collection.lib.users import AuthenticatedRequest
from collection.people import tokens

_STATE = inline_serializer(
    "ApiTokenState", {"exists": serializers.BooleanField(), "created": serializers.DateTimeField(allow_null=True)}
)
_KEY = inline_serializer("ApiTokenKey", {"key": serializers.CharField(), "created": serializers.DateTimeField()})
_DETAIL = inline_serializer("ApiTokenError", {"detail": serializers.CharField()})
_SIGNED_OUT = OpenApiResponse(_DETAIL, description="Not signed in, or an unknown token.")
_LOCKED = OpenApiResponse(_DETAIL, description="Too many unknown tokens from this address; see Retry-After.")


class ApiTokenView(APIView):
    """GET: whether you have a token and since when (never the key); POST: create one; DELETE: revoke it."""

    @extend_schema(responses={200: _STATE, 401: _SIGNED_OUT, 429: _LOCKED})
    def get(self, request: AuthenticatedRequest) -> Response:
        token = tokens.token_of(request.user)
        return Response({"exists": token is not None, "created": token.created if token else None})

    @extend_schema(
        request=None,
        responses={
            201: _KEY,
            401: _SIGNED_OUT,
            409: OpenApiResponse(_DETAIL, description="You have a token already."),
            429: _LOCKED,
        },
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        token = tokens.token_create(user=request.user)
        return Response({"key": token.key, "created": token.created}, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            204: None,
            401: _SIGNED_OUT,
            409: OpenApiResponse(_DETAIL, description="You have no token."),
            429: _LOCKED,
        }
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenRotateView(APIView):
    """POST: a new key for your token; the old key is refused from this moment."""

    @extend_schema(
        request=None,
        responses={
            200: _KEY,
            401: _SIGNED_OUT,
            409: OpenApiResponse(_DETAIL, description="You have no token to rotate."),
            429: _LOCKED,
        },
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        token = tokens.token_rotate(user=request.user)
        return Response({"key": token.key, "created": token.created})
