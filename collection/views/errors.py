"""The portal's own pages for a missing page and a server error, also under DEBUG (`make run`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found


class StyledNotFoundMiddleware:
    """Under DEBUG Django answers a missing page with its technical 404, which newcomers trying `make run` take
    for a broken portal; this answers with the portal's own 404.html instead, as production does. Only 404s:
    a server error keeps Django's debug page and its traceback on the console."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info)
            except Resolver404 as exc:  # CommonMiddleware, further out, still adds a missing slash
                return not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return not_found(request, exception)
        return None


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A missing page; under /api/ the API's own error shape (an address no route matches, e.g. an id with a
    dot, never reaches the API's views, which answer their own 404s so)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
