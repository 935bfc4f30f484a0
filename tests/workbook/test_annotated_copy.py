"""The annotated copy is made by the worker after validation and kept; the page offers it when it is ready, says
why when there is none, and no web request ever builds it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from collection.lib.queue import BUILD_ANNOTATED_COPY
from collection.models import Submission
from collection.validation.run import submission_validate
from collection.workbook.annotate import FILLS, PREPARING, annotated_copy_build
from tests import factories
from tests.workbook.test_workbook import FORP, TABLES, filled_workbook
from tests.workbooks import cell_of, open_book, save

RED = FILLS["error"].fgColor.rgb


def with_an_error(user, round_) -> Submission:
    """A CSV with one year outside the round, validated as the worker does but its copy not made yet."""
    lines = factories.sample_csv().decode().splitlines()
    lines[5] = lines[5].replace(",2024,", ",2019,")
    submission = factories.upload(user, round_, ("\n".join(lines) + "\n").encode())
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def test_validation_asks_the_worker_for_the_copy_once_the_report_is_kept(
    focal_point,
    open_round,
    sent_tasks,
    django_capture_on_commit_callbacks,
):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    with django_capture_on_commit_callbacks(execute=True):
        submission_validate(submission_id=submission.pk)
    assert (BUILD_ANNOTATED_COPY, (submission.pk,)) in sent_tasks
    submission.refresh_from_db()
    assert not submission.annotated  # nothing is built until the worker runs the task


def test_the_page_says_it_is_being_prepared_then_offers_the_kept_copy(client, focal_point, open_round):
    submission = with_an_error(focal_point, open_round)
    client.force_login(focal_point)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "being prepared" in page and f'hx-get="/submissions/{submission.pk}/annotated/status/"' in page
    waiting = client.get(f"/submissions/{submission.pk}/annotated/", follow=True)
    assert waiting.redirect_chain[0][1] == 302 and escape(PREPARING) in waiting.content.decode()
    submission.refresh_from_db()
    assert not submission.annotated  # the request built nothing

    annotated_copy_build(submission_id=submission.pk)  # the worker's task
    fragment = client.get(f"/submissions/{submission.pk}/annotated/status/").content.decode()
    assert f'href="/submissions/{submission.pk}/annotated/"' in fragment and "hx-get" not in fragment
    response = client.get(f"/submissions/{submission.pk}/annotated/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="data-checked-#{submission.pk}.xlsx"'
    data = open_book(response)["Data"]
    assert data["G6"].value == "2019" and data["G6"].fill.fgColor.rgb == RED


def test_a_file_beyond_the_row_limit_gets_a_sentence_instead_of_a_copy(client, api, focal_point, open_round, settings):
    settings.ANNOTATED_MAX_ROWS = 5
    submission = with_an_error(focal_point, open_round)
    annotated_copy_build(submission_id=submission.pk)
    submission.refresh_from_db()
    sentence = (
        f"The file has {submission.row_count:,} rows; a copy with the problems marked is made for files of up to "
        "5 rows. The report lists every issue with its row."
    )
    assert not submission.annotated and submission.annotated_note == sentence
    client.force_login(focal_point)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert (
        sentence in page
        and f'href="/submissions/{submission.pk}/annotated/"' not in page
        and 'hx-get="/submissions' not in page
    )
    back = client.get(f"/submissions/{submission.pk}/annotated/", follow=True)
    assert back.redirect_chain[0][1] == 302 and sentence in back.content.decode()
    api.force_authenticate(focal_point)
    refused = api.get(f"/api/v1/submissions/{submission.pk}/annotated/")
    assert refused.status_code == 409 and refused.json()["detail"] == sentence


def test_a_copy_never_made_is_asked_for_once_however_many_pages_ask(
    client,
    focal_point,
    open_round,
    sent_tasks,
    django_capture_on_commit_callbacks,
):
    submission = with_an_error(focal_point, open_round)  # as if checked before copies were kept
    Submission.objects.filter(pk=submission.pk).update(validated_at=timezone.now() - timedelta(days=30))
    client.force_login(focal_point)
    with django_capture_on_commit_callbacks(execute=True):
        for url in ("/", "/annotated/", "/annotated/status/", "/"):
            assert client.get(f"/submissions/{submission.pk}{url}").status_code in (200, 302)
    assert sent_tasks.count((BUILD_ANNOTATED_COPY, (submission.pk,))) == 1
    submission.refresh_from_db()
    assert submission.annotated_asked_at is not None and not submission.annotated


def test_the_copy_and_its_place_on_the_page_are_per_country(client, focal_point, other_focal_point, open_round):
    submission = with_an_error(focal_point, open_round)
    annotated_copy_build(submission_id=submission.pk)
    client.force_login(other_focal_point)
    for url in ("/annotated/", "/annotated/status/"):
        assert client.get(f"/submissions/{submission.pk}{url}").status_code == 404


@pytest.fixture
def round_(catalogue):
    return factories.make_round(tables=TABLES)


def test_a_workbook_too_large_to_open_whole_is_streamed_with_the_same_marks(client, round_, focal_point, settings):
    settings.ANNOTATED_FULL_LOAD_BYTES = 0  # every XLSX streamed, as a large one is
    book = open_book(filled_workbook(round_))
    total = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_F")
    total.value += 50
    submission = factories.validated(focal_point, round_, save(book))
    client.force_login(focal_point)
    marked = open_book(client.get(f"/submissions/{submission.pk}/annotated/"))
    assert marked.sheetnames[0] == "Issues" and marked.sheetnames[1:] == book.sheetnames
    assert [s.sheet_state for s in marked.worksheets[1:]] == [s.sheet_state for s in book.worksheets]
    cell = marked[FORP][total.coordinate]
    assert cell.value == total.value and cell.fill.fgColor.rgb == RED and "additivity" in cell.comment.text
    where = f"{FORP}!{total.coordinate}"
    link = next(r for r in marked["Issues"].iter_rows(min_row=3) if r[2].value == where)[2].hyperlink
    assert link.location == f"'{FORP}'!{total.coordinate}" and link.ref == link.ref.upper()
    for sheet in book.worksheets:  # every value on its cell
        assert values(marked[sheet.title]) == values(sheet)


def values(sheet) -> list[list]:
    """A sheet's values row by row, without the empty cells at the end of a row or the empty rows at the end."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows
