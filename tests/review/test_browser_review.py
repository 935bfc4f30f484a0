"""A reviewer's whole decision in a real browser (Playwright, Debian's chromium) against a live server and a real
worker: the queue, the workspace, a table's flagged rows and a series chart, a comment, approval, publication."""

from __future__ import annotations

import time

from django.db import connections

from collection.models import ReviewComment, Submission
from collection.review.decisions import submission_approve
from tests import factories
from tests.browser import MARKS, shot, sign_in
from tests.review.test_review_workspace import FORP, changed_rows, csv_of, rows_for, submit

pytestmark = MARKS


def wait_for_status(submission: Submission, statuses: set[str], timeout: float = 90) -> Submission:
    """The worker moves the submission; poll the database until it is in one of `statuses`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission.refresh_from_db()
        if submission.status in statuses:
            return submission
        time.sleep(0.3)
    raise AssertionError(f"submission #{submission.pk} still {submission.status} after {timeout}s")


def uploaded_and_checked(user, round_, content: bytes) -> Submission:
    submission = wait_for_status(factories.upload(user, round_, content), {"valid", "invalid"})
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    return submission


def test_reviewer_reads_a_table_comments_and_approves_from_the_workspace(page, live_server, worker, catalogue):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewer = factories.make_user("reviewer", "reviewer")
    earlier = factories.make_round(name="ILMS 2024", years=(2023, 2024))
    history = uploaded_and_checked(focal_point, earlier, csv_of(rows_for((2023, 2024))))
    submit(focal_point, history, source_name="Labour Force Survey 2024")
    submission_approve(user=reviewer, submission=history)
    wait_for_status(history, {"published"})
    round_ = factories.make_round(name="ILMS 2025", years=(2024, 2025))
    submission = uploaded_and_checked(focal_point, round_, csv_of(changed_rows()["rows"]))
    submit(focal_point, submission, source_name="Labour Force Survey 2025")

    sign_in(page, live_server.url, "reviewer", "/review/")
    shot(page, "5-01-review-queue")
    page.click(f"text=Review #{submission.pk}")
    page.wait_for_url(f"**/review/{submission.pk}/")
    shot(page, "5-02-workspace")

    page.click(f"nav.tabs >> text={FORP}")
    page.wait_for_url(f"**table={FORP}**")
    page.check("#flagged")
    page.select_option("#sort", "change")
    page.click("text=Show")
    page.wait_for_url("**flagged=1**")
    assert page.locator("table.compare tbody tr").count() >= 2
    assert "change.year_on_year" in page.content()
    page.locator("table.compare tbody tr").first.get_by_role("link", name="Chart the series").click()
    page.wait_for_selector("#charts svg[role=img]")
    shot(page, "5-03-table-flagged-with-chart")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the wide table scrolls inside the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "5-03b-workspace-on-a-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#id_comment_text", "The doubling is explained by the new register: fine.")
    page.click("text=Add comment")
    page.wait_for_selector("#comments .thread li")
    assert "new register" in page.locator("#comments").inner_text()

    page.fill("#id_approve_comment", "Approved from the workspace.")
    page.click("text=Approve and publish")
    page.wait_for_selector(".status-panel .status-published", timeout=90_000)  # htmx reloads when published
    shot(page, "5-04-approved-and-published")
    assert "read-only" in page.content()

    submission.refresh_from_db()
    assert submission.status == Submission.Status.PUBLISHED
    assert submission.reviews.get().comment == "Approved from the workspace."
    assert ReviewComment.objects.get(submission=submission, indicator=FORP).author == reviewer
    # Under Playwright's event loop the ORM used a connection of its own: close it before the database goes.
    connections.close_all()
