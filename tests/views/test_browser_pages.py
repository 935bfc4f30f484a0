"""The pages of issue 10 in a real browser (Debian's chromium) at a laptop's 1366 px and a phone's 390 px: the
entry grid keeps its code and category in view and opens on the year to fill, the dashboard and the admin
navigation fit the laptop, the returned notice leads to the upload form, and the 404 page is the portal's."""

from __future__ import annotations

import pytest
from django.db import connections

from collection.models import Country
from collection.review.decisions import submission_return
from tests import factories
from tests.browser import needs_chromium, shot, sign_in
from tests.workbook.test_workbook import FORP, TABLES

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
LAPTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def close_connections():
    """Under Playwright's event loop the ORM used a connection of its own: close it before the database goes."""
    yield
    connections.close_all()


def opens_on(page, year: str) -> None:
    """The grid opens with `year`'s columns in view, not hidden under the columns kept in view (code and
    category on a laptop, the category alone on a phone); scrolled to start right after them when it is wider
    than the screen."""
    page.evaluate("window.scrollTo(0, document.querySelector('[data-grid-scroll]').offsetTop)")
    assert page.evaluate("window.scrollX") == 0  # the page itself is no wider than the screen
    assert page.inner_text("th[data-fill-year]").startswith(year)
    box = page.evaluate(
        """() => {
          const rect = (selector) => document.querySelector(selector).getBoundingClientRect();
          const scroller = rect('[data-grid-scroll]'), year = rect('th[data-fill-year]');
          const label = rect('tbody td.sticky-label'), box = document.querySelector('[data-grid-scroll]');
          return {scrollerLeft: scroller.left, scrollerRight: scroller.right, yearLeft: year.left,
                  labelLeft: label.left, labelRight: label.right, scrolled: box.scrollLeft};
        }"""
    )
    assert box["scrollerLeft"] <= box["labelLeft"] and box["yearLeft"] < box["scrollerRight"]
    if box["scrolled"]:  # scrolled to the year: it starts where the category ends
        assert abs(box["labelRight"] - box["yearLeft"]) <= 1
    else:  # the grid fits: the year is right of the category
        assert box["yearLeft"] >= box["labelRight"] - 1


def test_the_entry_grid_opens_on_the_year_to_fill_with_code_and_category_in_view(page, live_server, catalogue):
    factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round(tables=TABLES, years=(2024, 2025))
    sign_in(page, live_server.url, "fp_tha", "/")
    grid = live_server.url + f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    page.set_viewport_size(LAPTOP)
    page.goto(grid)
    opens_on(page, "2024")  # nothing published, nothing typed: the first year
    assert page.evaluate("document.querySelector('[data-grid-scroll]').scrollLeft") == 0
    shot(page, "10-grid-empty-laptop")
    page.select_option("#id_source", "BA")
    page.fill("input[name='v:CBR_BRT_TOTAL|2024||SEX_T']", "612.4")  # a draft with 2024 begun
    page.click("button[value=save]")
    page.wait_for_selector(".msg.success")
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(grid)
        opens_on(page, "2025")
        shot(page, f"10-grid-2025-{name}")
        if viewport is PHONE:  # the grid is wider than a phone: it had to scroll to 2025
            assert page.evaluate("document.querySelector('[data-grid-scroll]').scrollLeft") > 0
        page.evaluate("document.querySelector('[data-grid-scroll]').scrollLeft += 600")  # further right
        assert page.evaluate(
            "document.querySelector('tbody td.sticky-label').getBoundingClientRect().left"
            " >= document.querySelector('[data-grid-scroll]').getBoundingClientRect().left"
        )


def test_the_dashboard_and_the_admin_navigation_fit_a_laptop_screen(page, live_server, catalogue):
    factories.make_user("admin", "admin")
    round_ = factories.make_round(
        tables=factories.ALL_TABLES, countries=tuple(Country.objects.values_list("pk", flat=True))
    )
    sign_in(page, live_server.url, "admin", "/")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/rounds/{round_.pk}/dashboard/")
    shot(page, "10-dashboard-laptop")
    fit = page.evaluate(
        """() => {
          const box = document.querySelector('.matrix-scroll');
          const brand = document.querySelector('.topbar .brand').getBoundingClientRect();
          const links = [...document.querySelectorAll('.topbar nav > a, .topbar nav > form')]
            .map(a => a.getBoundingClientRect());
          return {matrix: box.scrollWidth - box.clientWidth, page: document.documentElement.scrollWidth,
                  rows: new Set(links.map(l => Math.round(l.top))).size, links: links.length,
                  navLeft: Math.min(...links.map(l => l.left)), brandRight: brand.right};
        }"""
    )
    assert fit["matrix"] <= 0 and fit["page"] <= 1366  # 16 tables across, no sideways scroll
    assert fit["links"] >= 12 and fit["rows"] == 1 and fit["navLeft"] > fit["brandRight"]  # one line beside the brand
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/rounds/{round_.pk}/dashboard/")
    shot(page, "10-dashboard-phone")


def test_the_returned_notice_leads_to_the_upload_form_of_that_round(page, live_server, catalogue):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewer = factories.make_user("reviewer", "reviewer")
    round_ = factories.make_round()
    submission = factories.submit(focal_point, factories.validated(focal_point, round_))
    submission_return(user=reviewer, submission=submission, comment="The 2025 totals for women look low: please check.")
    sign_in(page, live_server.url, "fp_tha", f"/rounds/{round_.pk}/THA/")
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.reload()
        shot(page, f"10-country-returned-{name}")
        assert page.is_visible("#returned >> text=The 2025 totals for women look low")
    page.click("#returned >> text=Upload the corrected file")
    page.wait_for_url("**/submissions/new/**")
    assert page.eval_on_selector("#id_round", "s => s.value") == str(round_.pk)
    assert page.eval_on_selector("#id_country", "s => s.value") == "THA"
    shot(page, "10-upload-form-phone")
    page.set_viewport_size(LAPTOP)
    shot(page, "10-upload-form-laptop")


def test_a_missing_page_is_the_portals_own(page, live_server, catalogue, settings):
    settings.DEBUG = True  # as under `make run`
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        response = page.goto(f"{live_server.url}/no-such-page/")
        assert response.status == 404
        assert page.is_visible("h1:has-text('Page not found')") and page.is_visible("header.topbar")
        shot(page, f"10-404-{name}")
