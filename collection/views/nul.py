"""A NUL character in the address, a cookie or the credentials is refused before any view runs: no database text
column can hold one (PostgreSQL refuses the query), so a NUL that reached a filter or a lookup was a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from collection.dissemination.sdmx.errors import SYNTAX, SdmxError, error_message

NUL = "\x00"
MESSAGE = "The address or the request's credentials contain a NUL character (%00), which no name or code holds."


def has_nul(request: HttpRequest) -> bool:
    """Whether the path, a query parameter, a cookie or the Authorization header holds a NUL."""
    credentials = request.META.get("HTTP_AUTHORIZATION", "")
    if isinstance(credentials, bytes):  # a client (or a test) may hand the header over as bytes: Latin-1, as WSGI
        credentials = credentials.decode("latin-1")
    if NUL in request.path or NUL in credentials:
        return True
    values = [v for _, vs in request.GET.lists() for v in vs]
    return any(NUL in v for v in [*request.GET.keys(), *values, *request.COOKIES.values()])


class RefuseNulMiddleware:
    """Answers 400 with a sentence (JSON under /api/, an SDMX Error message under /sdmx/, the portal's page
    elsewhere). Form bodies are left to the forms, which say it at the field; the API checks its own bodies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_nul(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MESSAGE}, status=400)
        if request.path.startswith("/sdmx/"):  # the SDMX service answers every failure with its Error message
            message = error_message(SdmxError(SYNTAX, MESSAGE))
            return HttpResponse(message, status=400, content_type="application/xml; charset=utf-8")
        request.user = AnonymousUser()  # refused before the session is read: it may hold the NUL
        page = render_to_string("400.html", {"message": MESSAGE}, request=request)
        return HttpResponse(page, status=400)
