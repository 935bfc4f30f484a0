"""A focal point's whole workbook path in a real browser (Playwright, Debian's chromium) against a live server
and a real worker: download the workbook, fill it, upload, find the error on the annotated copy, fix, submit."""

from __future__ import annotations

import re
from pathlib import Path

from django.db import connections

from collection.models import Submission
from tests import factories
from tests.browser import MARKS, shot
from tests.workbook.test_workbook import FORP, TABLES, rows
from tests.workbooks import cell_of, fill, open_book, save

pytestmark = MARKS


def upload(page, live_server, path: Path, expect: str) -> int:
    page.click("text=Upload the filled file")
    page.set_input_files("#id_file", str(path))
    page.click("text=Upload and check")
    page.wait_for_selector(f".status-panel .status-{expect}", timeout=90_000)  # htmx reloads when the worker is done
    return int(re.search(r"/submissions/(\d+)/", page.url).group(1))


def test_focal_point_fills_the_workbook_fixes_an_error_on_their_file_and_submits(
    page, live_server, worker, catalogue, tmp_path
):
    factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round(tables=TABLES)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "fp_tha")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/rounds/{round_.pk}/THA/")
    shot(page, "3-01-country-page")

    with page.expect_download() as download:
        page.click("text=Download the workbook")
    blank = tmp_path / "blank.xlsx"
    download.value.save_as(blank)

    book = open_book(blank.read_bytes())
    fill(book, rows())
    wrong = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_F")
    right_value = wrong.value
    wrong.value = right_value + 50
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(save(book))

    page.goto(f"{live_server.url}/rounds/{round_.pk}/THA/")
    first = upload(page, live_server, filled, "invalid")
    assert "additivity" in page.content()
    assert f"{FORP}!{wrong.coordinate}" in page.content()
    shot(page, "3-02-report-invalid")

    with page.expect_download() as download:
        page.click("text=Download your file with the problems marked")
    marked = open_book(Path(download.value.path()).read_bytes())
    cell = marked[FORP][wrong.coordinate]
    assert cell.fill.fgColor.rgb == "00FFC7CE" and "additivity" in cell.comment.text
    assert marked.sheetnames[0] == "Issues"

    wrong.value = right_value
    filled.write_bytes(save(book))
    page.goto(f"{live_server.url}/rounds/{round_.pk}/THA/")
    second = upload(page, live_server, filled, "valid")
    assert second != first
    shot(page, "3-03-report-valid")
    page.click("text=Submit for review")
    page.wait_for_selector(".status-panel .status-submitted")
    shot(page, "3-04-submitted")
    assert Submission.objects.get(pk=second).status == "submitted"
    assert Submission.objects.get(pk=first).status == "invalid"
    # Under Playwright's event loop the ORM used a connection of its own: close it before the database goes.
    connections.close_all()

    page.goto(f"{live_server.url}/rounds/{round_.pk}/THA/tables/{FORP}/")
    page.locator("tbody input").first.fill("1")
    shot(page, "3-05-grid")
