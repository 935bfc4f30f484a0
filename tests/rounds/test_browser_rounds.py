"""An admin runs a round in a real browser (Playwright, Debian's chromium) against a live server and a real worker:
create it, open it, and watch the completeness dashboard change while a focal point uploads in another window."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail

from collection.models import AuditEntry, Round
from tests import factories
from tests.browser import MARKS, shot, sign_in

pytestmark = MARKS

TPOP = factories.SMALL_TABLES[0]


def test_admin_creates_and_opens_a_round_and_watches_the_dashboard_as_a_focal_point_uploads(
    page, live_server, worker, catalogue, tmp_path
):
    factories.make_user("admin", "admin")
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    focal_point.email = "fp_tha@example.org"
    focal_point.save()
    deadline = dt.date.today() + dt.timedelta(days=60)

    sign_in(page, live_server.url, "admin", "/rounds/")
    shot(page, "6-01-rounds-empty")
    page.click("text=New round")
    page.fill("#id_name", "ILMS 2027")
    page.fill("#id_reference_years", "2024, 2025")
    page.fill("#id_deadline", deadline.isoformat())
    page.fill("#id_reminder_days", "14, 3")
    page.click("button[value=tables-none]")  # the round asks for the two small tables only
    for indicator in factories.SMALL_TABLES:
        page.check(f"input[name=tables][value={indicator}]")
    shot(page, "6-02-new-round-form")
    page.click("button:has-text('Create')")
    page.wait_for_url(re.compile(r"/rounds/\d+/manage/"))
    round_ = Round.objects.get(name="ILMS 2027")
    assert round_.status == "draft"
    assert sorted(round_.tables.values_list("indicator", flat=True)) == sorted(factories.SMALL_TABLES)
    assert round_.countries.count() == 10  # every country is ticked unless the admin unticks some

    page.click("summary:has-text('Open')")
    page.click("button:has-text('Yes, open')")
    page.wait_for_selector(".msg")
    round_.refresh_from_db()
    assert round_.status == "open"
    shot(page, "6-03-round-opened")
    assert any("ILMS 2027" in m.subject for m in mail.outbox if "fp_tha@example.org" in m.to)
    assert AuditEntry.objects.filter(action="round.opened", actor_name="admin").exists()

    page.goto(f"{live_server.url}/rounds/{round_.pk}/dashboard/")
    cell = page.locator(f"[data-cell='THA:{TPOP}']")
    assert cell.get_attribute("data-status") == "not_started"
    shot(page, "6-04-dashboard-before")

    # The focal point uploads in a window of their own; the admin's dashboard is not reloaded by hand.
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    fp_page = other.new_page()
    sign_in(fp_page, live_server.url, "fp_tha", f"/rounds/{round_.pk}/THA/")
    path = tmp_path / "thailand.csv"
    path.write_bytes(factories.sample_csv("THA"))
    fp_page.goto(f"{live_server.url}/submissions/new/")
    fp_page.select_option("#id_round", label="ILMS 2027")
    fp_page.set_input_files("#id_file", str(path))
    fp_page.click("text=Upload and check")
    fp_page.wait_for_selector(".status-panel .status-valid", timeout=90_000)
    shot(fp_page, "6-05-focal-point-upload-valid")
    other.close()

    page.wait_for_selector(f"[data-cell='THA:{TPOP}'][data-status='valid']", timeout=60_000)  # htmx refresh
    assert page.locator(f"[data-cell='MYS:{TPOP}']").get_attribute("data-status") == "not_started"
    shot(page, "6-06-dashboard-after-upload")

    page.goto(f"{live_server.url}/rounds/{round_.pk}/manage/")
    page.click("summary:has-text('Close')")
    page.click("button:has-text('Yes, close')")
    page.wait_for_selector(".msg")
    round_.refresh_from_db()
    assert round_.status == "closed"
    shot(page, "6-07-round-closed")
