"""The one place where domain errors become HTTP answers for the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from collection.lib.errors import PortalError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PortalError):
        return Response({"detail": exc.message}, status=exc.status_code)
    # Django refuses an oversized form body while DRF reads it; DRF leaves that to Django's HTML 400 page.
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request's form fields are larger than the portal accepts."}, status=413)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": "The request has more form fields than the portal accepts."}, status=400)
    return drf_exception_handler(exc, context)
