"""The data explorer in a real browser (Debian's chromium) as a journalist uses it: choose a table and countries,
see the chart drawn, share the URL (reload, back and forward restore the choice), download the CSV of the table
shown, reach every control with the keyboard, and read it all on a phone's 390 px."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connections

from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from tests import factories
from tests.browser import SHOTS, needs_chromium, shot
from tests.publication.test_publication import FORP

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]
LAPTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
CHART_MARKS = "[data-chart] svg path"


@pytest.fixture(autouse=True)
def close_connections():
    """Under Playwright's event loop the ORM used a connection of its own: close it before the database goes."""
    yield
    connections.close_all()


@pytest.fixture
def published(catalogue, reviewer):
    """Thailand's and Malaysia's two small tables for 2024 and 2025, published."""
    round_ = factories.make_round()
    for iso3 in ("THA", "MYS"):
        person = factories.make_user(f"fp_{iso3.lower()}", "focal_point", [iso3])
        submission = factories.validated(person, round_, factories.sample_csv(iso3), country=iso3)
        factories.submit(person, submission)
        submission_approve(user=reviewer, submission=submission)
        observations_publish(submission_id=submission.pk)


def chart_drawn(page) -> int:
    page.wait_for_selector(CHART_MARKS, state="attached")
    return page.locator(CHART_MARKS).count()


def table_cells(page) -> dict[str, Decimal]:
    cells = page.eval_on_selector_all(
        "[data-explorer-table] td[data-key]", "tds => tds.map(t => [t.dataset.key, t.dataset.value])"
    )
    return {key: Decimal(value) for key, value in cells}


def ticked(page, name: str) -> list[str]:
    return page.eval_on_selector_all(f"input[name={name}]:checked", "boxes => boxes.map(b => b.value)")


def test_a_journalist_chooses_charts_shares_and_downloads_a_series(page, live_server, published):
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/explore/")
    page.select_option("#id_indicator", FORP)
    page.wait_for_url(f"**indicator={FORP}**")
    assert chart_drawn(page) > 0
    assert ticked(page, "ref_area") == ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]
    page.click("fieldset[data-choice=ref_area] button:has-text('Clear')")
    page.check("input[name=ref_area][value=THA]")
    page.check("input[name=ref_area][value=MYS]")
    page.wait_for_url("**ref_area=MYS&ref_area=THA**")
    page.wait_for_function("() => document.querySelectorAll('[data-explorer-table] tbody tr').length === 2")
    assert page.locator("[data-explorer-table] tbody th").all_inner_texts() == ["Malaysia\nMYS", "Thailand\nTHA"]
    assert chart_drawn(page) > 0 and page.locator("[data-chart] svg text:has-text('Thailand')").count()
    shot(page, "explorer-desktop-line")

    # The URL is the choice: a reload restores it, and the chart comes back.
    shared = page.url
    page.reload()
    assert ticked(page, "ref_area") == ["MYS", "THA"] and chart_drawn(page) > 0

    # The bar chart, by partner country: rows = country of birth, every partner, one year.
    page.select_option("#id_rows", "classif1")
    page.wait_for_url("**rows=classif1**")
    page.click("fieldset[data-choice=classif1] button:has-text('Select all')")
    page.wait_for_function("() => document.querySelectorAll('[data-explorer-table] tbody tr').length > 5")
    page.select_option("#id_time_from", "2025")
    page.wait_for_url("**time_from=2025**")
    page.click("a:has-text('Bar chart')")
    page.wait_for_url("**chart=bar**")
    assert chart_drawn(page) > 0 and page.is_checked("input[name=chart][value=bar]")
    shot(page, "explorer-desktop-bar")

    # Back and forward walk the choices.
    page.go_back()
    page.wait_for_url(lambda url: "chart=bar" not in url)
    page.wait_for_selector("input[name=chart][value=line]:checked")  # the URL moves first, then the page follows
    assert chart_drawn(page) > 0
    page.go_forward()
    page.wait_for_url("**chart=bar**")
    page.wait_for_selector("input[name=chart][value=bar]:checked")
    for _ in range(4):
        page.go_back()
    page.wait_for_url(shared)
    # Each step back fetches its choice; the last one's answer replaces those still in flight.
    page.wait_for_function("() => document.querySelector('#id_rows').value === 'ref_area'")
    page.wait_for_function("() => document.querySelectorAll('[data-explorer-table] tbody tr').length === 2")
    assert ticked(page, "ref_area") == ["MYS", "THA"] and page.input_value("#id_rows") == "ref_area"

    # The CSV holds exactly the values the table shows.
    shown = table_cells(page)
    with page.expect_download() as download:
        page.click(".share a:has-text('CSV')")
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    keys = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time")
    assert {"|".join(r[k] for k in keys): Decimal(r["obs_value"]) for r in rows} == shown and len(rows) == 4

    # The chart downloads as a picture.
    with page.expect_download() as picture:
        page.click("button:has-text('Chart as SVG')")
    with open(picture.value.path(), encoding="utf-8") as fh:
        assert fh.read().startswith("<svg")


def test_the_keyboard_reaches_every_control_with_a_visible_focus(page, live_server, published):
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/explore/?indicator={FORP}&ref_area=THA")
    chart_drawn(page)
    name = "e => e.id || (e.name ? e.name + '=' + e.value : e.tagName + '|' + e.textContent.trim())"
    controls = page.eval_on_selector_all(
        "#explorer-form select, #explorer-form input, #explorer-form button, [data-explorer-results] a,"
        " [data-explorer-results] button, [data-explorer-results] summary",
        "els => els.filter(e => !(e.type === 'radio' && !e.checked) && e.offsetParent !== null"
        f" && (e.tagName === 'SUMMARY' || !e.closest('details:not([open])'))).map({name})",
    )
    assert len(controls) > 30  # the table, 10 countries, 4 sexes, the partners, years, layout, chart, downloads
    reached, outlines = [], set()
    while "SUMMARY|API query" not in reached and len(reached) < len(controls) + 40:
        page.keyboard.press("Tab")
        key, outline = page.evaluate(
            f"() => {{ const e = document.activeElement; return [({name})(e), getComputedStyle(e).outlineStyle]; }}"
        )
        reached.append(key)
        outlines.add(outline)
    assert set(controls) <= set(reached)
    assert outlines == {"solid"}  # every focused control shows its outline
    page.keyboard.press("Enter")  # the API query opens from the keyboard, and its links are next
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/api/v1/observations/?")


def test_a_phone_shows_the_choice_chart_and_table_without_widening_the_page(page, live_server, published):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/explore/?indicator={FORP}&ref_area=THA&ref_area=MYS")
    assert chart_drawn(page) > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("document.querySelector('[data-chart] svg').getBoundingClientRect().width") <= PHONE["width"]
    shot(page, "explorer-phone-line")
    page.click("a:has-text('Bar chart')")
    page.wait_for_url("**chart=bar**")
    assert chart_drawn(page) > 0 and page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("document.querySelector('.chart-card').scrollIntoView()")
    page.screenshot(path=str(SHOTS / "explorer-phone-bar.png"))
