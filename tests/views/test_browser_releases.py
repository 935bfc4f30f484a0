"""Releases in a real browser (Playwright, Debian's chromium) against a live server: an admin schedules a
release, a reviewer approves into it from the workspace, and the public's calendar and release page show the
date and nothing of the values until the moment. Publication runs in this process (no worker needed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone

from collection.models import Release, Review
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.browser import needs_chromium, shot, sign_in
from tests.publication.test_publication import edited
from tests.publication.test_vintages import revise

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_an_admin_schedules_a_reviewer_joins_it_and_the_public_waits(page, live_server, catalogue):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewer = factories.make_user("reviewer", "reviewer")
    factories.make_user("admin", "admin")
    round_ = factories.make_round()
    content = factories.sample_csv()
    first = factories.submit(focal_point, factories.validated(focal_point, round_, content))
    submission_approve(user=reviewer, submission=first)
    observations_publish(submission_id=first.pk)
    tomorrow_9 = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)

    sign_in(page, live_server.url, "admin", "/releases/new/")
    page.fill("#id_title", "Thailand: census-weighted revision")
    page.fill("#id_public_at", tomorrow_9.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_note", "The 2024 foreign-born totals re-weighted with the 2024 census.")
    shot(page, "releases-01-admin-form")
    page.click("text=Schedule the release")
    page.wait_for_url("**/releases/*/")
    release = Release.objects.get(title="Thailand: census-weighted revision")
    assert release.public_at == tomorrow_9
    page.click("summary:has-text('Withdraw')")
    shot(page, "releases-02-release-page-admin-withdraw-confirmation")
    page.click("text=Sign out")

    second = factories.submit(focal_point, factories.validated(focal_point, round_, edited(content, revise)))
    sign_in(page, live_server.url, "reviewer", f"/review/{second.pk}/")
    page.select_option("#id_approve_release", str(release.pk))
    page.locator("#id_approve_release").scroll_into_view_if_needed()
    shot(page, "releases-03-approve-choice")
    page.click("text=Approve and publish")
    page.wait_for_selector(".messages")
    assert "join release “Thailand: census-weighted revision”" in page.inner_text(".messages")
    shot(page, "releases-04-approve-confirmation")
    assert Review.objects.get(submission=second, decision="approve").release == release
    observations_publish(submission_id=second.pk)
    page.goto(f"{live_server.url}/releases/")
    shot(page, "releases-05-calendar-staff")
    page.click("text=Sign out")

    page.goto(f"{live_server.url}/releases/")
    assert "Thailand: census-weighted revision" in page.inner_text("body")
    shot(page, "releases-06-calendar-public")
    page.click("text=Thailand: census-weighted revision")
    assert "shown here from" in page.inner_text("main")
    assert page.locator('main a[href^="/data/MST"]').count() == 0  # no table of it before its moment
    shot(page, "releases-07-upcoming-release-public")
    page.goto(f"{live_server.url}/releases/{first.publication.release_id}/")
    shot(page, "releases-08-released-release-public")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/releases/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "releases-09-calendar-phone")
    connections.close_all()
