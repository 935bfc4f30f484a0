"""No web request reads a whole upload: taking a zip bomb or a million-row CSV, and sending a file back, hold a
few MB of Python memory in the web process whatever the file's size (measured: 9.7 MB for the CSV, 6.3 MB for
the bomb; the annotated copy, once built in the request, grew it to 13 GB for an 8 MB bomb and 2.7 GB for the
million rows)."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from collection.models import Submission
from collection.views.submissions import submission_file, submission_new
from tests import factories

WEB_BOUND = 16 * 2**20  # Python memory a request may hold above what it started with, whatever the upload


def million_rows(path: Path) -> Path:
    """The long layout, a million rows (about 70 MB)."""
    with path.open("w") as fh:
        fh.write("ref_area,indicator,source,sex,classif1,classif2,time,obs_value,obs_status,note\n")
        line = "THA,MST_TPOP_SEX_AGE_CBR_NB,BA,SEX_F,AGE_5YRBANDS_Y{:02d},CBR_COUNTRY_MMR,{},{},,\n"
        fh.writelines(line.format(r % 90, 2000 + r % 25, r % 997) for r in range(1_000_000))
    return path


def zip_bomb(path: Path) -> Path:
    """An XLSX of a MB whose sheet unpacks to 1 GB of zeros (twice what the worker reads)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(1024):
                sheet.write(bytes(2**20))
    return path


def traced_peak(view, request, *args: object) -> tuple[object, int]:
    """A view's answer, read to its end, and the peak of Python memory it held above where it started."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        response = view(request, *args)
        for _ in getattr(response, "streaming_content", ()):
            pass
        return response, tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
        request.close()  # as the handler does: the upload's temporary file is closed


def signed_in(request, user):
    request.user = user
    SessionMiddleware(lambda r: None).process_request(request)
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("make", [million_rows, zip_bomb], ids=["million-row-csv", "zip-bomb"])
def test_an_upload_holds_a_few_mb_whatever_the_file(tmp_path, focal_point, open_round, settings, make):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = make(tmp_path / ("upload.csv" if make is million_rows else "upload.xlsx"))
    assert path.stat().st_size > 2**19
    with path.open("rb") as fh:  # the request's body is made before tracing: it is the client's, not the server's
        request = RequestFactory().post("/submissions/new/", {"round": open_round.pk, "country": "THA", "file": fh})
    response, peak = traced_peak(submission_new, signed_in(request, focal_point))
    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.size == path.stat().st_size
    assert peak < WEB_BOUND, f"{peak / 2**20:.1f} MB"

    download = RequestFactory().get(f"/submissions/{submission.pk}/file/")
    response, peak = traced_peak(submission_file, signed_in(download, focal_point), submission.pk)
    assert response.status_code == 200 and peak < WEB_BOUND, f"{peak / 2**20:.1f} MB"


def test_the_annotated_copy_is_sent_from_its_file_without_building_it(tmp_path, client, focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    client.force_login(focal_point)
    response = client.get(f"/submissions/{submission.pk}/annotated/")
    assert response.streaming and response.status_code == 200  # the kept file, sent in chunks
