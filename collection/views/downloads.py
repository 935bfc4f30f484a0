"""ILOSTAT's bulk downloads, public: the page listing every table's files and the files themselves."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from collection.dissemination.bulk import KEEP_STATES, bulk_file, bulk_listing, scope_of
from collection.lib.errors import PortalError
from collection.publication.conditional import public_conditional
from collection.publication.releases import releases_recent
from collection.publication.vintages import vintage_moment

GZIP = "application/gzip"


def _moment(request: HttpRequest) -> datetime | None:
    """The moment asked about (`as_of_release`, or `as_of`); None for now."""
    return vintage_moment(as_of=request.GET.get("as_of"), as_of_release=request.GET.get("as_of_release"))


@public_conditional
def downloads_page(request: HttpRequest) -> HttpResponse:
    """Every table's files of the current public state (or of an earlier release's), with size, rows and date."""
    try:
        at = _moment(request)
    except PortalError as exc:
        return render(request, "collection/downloads.html", {"error": exc.message}, status=400)
    vintage, lines = bulk_listing(at=at)
    context = {
        "vintage": vintage,
        "tables": [line for line in lines[:-1] if not line.region],
        "regions": [line for line in lines[:-1] if line.region],
        "everything": lines[-1],
        "query": f"?as_of_release={vintage.release.pk}" if at and vintage.release else "",
        "earlier": releases_recent()[1:KEEP_STATES],
    }
    return render(request, "collection/downloads.html", context)


@public_conditional
def download_file(request: HttpRequest, name: str) -> FileResponse:
    """One gzipped file, as built for the state asked about (built now if it is missing)."""
    found = scope_of(name)
    if found is None:
        raise Http404("No such download: the downloads page lists every file.")
    try:
        at = _moment(request)
    except PortalError as exc:
        raise Http404(exc.message) from exc
    built = bulk_file(scope=found[0], labels=found[1], at=at)
    # Sent as the gzip file it is (no Content-Encoding), so the browser saves `….csv.gz` unopened.
    return FileResponse(built.path.open("rb"), as_attachment=True, filename=built.name, content_type=GZIP)
