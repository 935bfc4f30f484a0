"""The content security policy in Chromium: every main page of every role, the API docs and the admin work under it,
and the browser reports no violation (no inline script, style or handler anywhere, nothing from elsewhere)."""

from __future__ import annotations

import pytest

from collection.models import CodeList
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.browser import needs_chromium, shot, sign_in
from tests.publication.test_publication import FORP

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def violations(page):
    """What the browser says about the policy while the test runs: each a (page, message)."""
    said: list[tuple[str, str]] = []

    def listen(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            said.append((page.url, text))

    page.on("console", listen)
    page.on("pageerror", lambda error: said.append((page.url, f"page error: {error}")))
    return said


@pytest.fixture
def published(focal_point, reviewer, open_round):
    """Thailand's small tables, published, so the explorer and the overviews have values to chart."""
    submission = factories.validated(focal_point, open_round)
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    return submission


def visit(page, base: str, path: str, *, wait_for: str | None = None, name: str | None = None) -> None:
    response = page.goto(base + path)
    assert response is not None and response.status < 400, (path, response and response.status)
    assert "default-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("networkidle")
    if wait_for:
        page.wait_for_selector(wait_for, state="attached")
    if name:
        shot(page, f"headers-{name}")


def test_public_pages_and_the_api_docs_break_no_rule_of_the_policy(page, live_server, published, violations):
    base = live_server.url
    visit(page, base, "/", name="home")
    visit(page, base, "/data/")
    visit(page, base, f"/data/{FORP}/THA/")
    visit(page, base, f"/explore/?indicator={FORP}&ref_area=THA", wait_for="[data-chart] svg path", name="explorer")
    visit(page, base, "/countries/asean/")
    visit(page, base, "/countries/THA/")
    visit(page, base, "/releases/")
    visit(page, base, "/downloads/")
    visit(page, base, "/accounts/login/")
    visit(page, base, "/api/docs/", wait_for=".opblock", name="api-docs")
    page.click(".opblock-summary >> nth=0")  # Swagger UI opens an operation: its own script, running
    page.wait_for_selector(".opblock-body", state="attached")
    visit(page, base, "/api/redoc/", wait_for=".opblock")
    assert page.url.endswith("/api/docs/")
    assert violations == []


def test_focal_point_and_reviewer_pages_break_no_rule(page, live_server, published, open_round, violations):
    base = live_server.url
    sign_in(page, base, "fp_tha", "/submissions/")
    for path in (
        "/submissions/new/",
        f"/submissions/{published.pk}/",
        f"/rounds/{open_round.pk}/THA/",
        f"/rounds/{open_round.pk}/THA/tables/{FORP}/",
        "/account/notifications/",
        "/api/v1/submissions/",
    ):
        visit(page, base, path)
    page.context.clear_cookies()
    sign_in(page, base, "reviewer", "/review/")
    for path in (f"/review/{published.pk}/", "/rounds/", f"/rounds/{open_round.pk}/dashboard/", "/audit/"):
        visit(page, base, path)
    assert violations == []


def test_the_admin_works_under_the_policy(page, live_server, admin_user, violations):
    base = live_server.url
    sign_in(page, base, "admin", "/admin/")
    shot(page, "headers-admin")
    code_list = CodeList.objects.order_by("pk").first()
    visit(page, base, "/admin/collection/codelist/", name="admin-change-list")
    page.check("input.action-select >> nth=0")  # the actions bar appears: the admin's own script
    page.wait_for_selector(".actions .action-counter", state="visible")
    page.select_option("select[name=action]", "delete_selected")
    page.click("button[name=index]")
    page.wait_for_selector("body.delete-selected-confirmation", state="attached")  # the confirmation, never confirmed
    shot(page, "headers-admin-action")
    visit(page, base, f"/admin/collection/codelist/{code_list.pk}/change/")
    visit(page, base, "/admin/collection/codelist/add/")
    visit(page, base, "/admin/collection/codelist/import/")
    visit(page, base, "/admin/collection/codelist/export/", name="admin-export")
    toggle = page.locator("input.select-toggle")
    if toggle.count():  # "Select all" unticks every field, from the script file that replaced the inline handler
        toggle.uncheck()
        assert page.locator(".selectable-field-export-row input[type=checkbox]:checked").count() == 0
    visit(page, base, f"/admin/auth/user/{admin_user.pk}/change/")
    visit(page, base, "/admin/collection/submission/")
    visit(page, base, "/people/")
    visit(page, base, "/api/v1/observations/")  # the browsable API
    assert violations == []
