"""Country and region overviews: key figures equal to the published values, their trend and change, a region's
matrices equal to the outflows table, the destination groups, embargoes and empty states. Published data are made
the real way: upload, validate, describe, submit, approve, publish."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pycountry
import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from collection.dissemination.overviews import (
    FOREIGN_BORN,
    KEY_FIGURES,
    NATIONALS_ABROAD,
    OUTFLOWS,
    country_overview,
    region_overview,
)
from collection.dissemination.regions import OTHER, destination_groups, m49_groups
from collection.models import Code, Country, Observation, Region, Release, TableDimension
from collection.publication.publish import observations_publish
from collection.publication.vintages import public_versions
from collection.review.decisions import submission_approve
from tests import factories
from tests.browser import needs_chromium
from tests.publication.test_publication import edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, revise

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
# The tables behind the four key figures, with the population table the foreign-born total is checked against.
TABLES = ["MST_TPOP_SEX_AGE_CBR_NB", *(f.indicator for f in KEY_FIGURES)]


@pytest.fixture
def overview_round(catalogue):
    return factories.make_round(tables=TABLES)


def content(country: str = "THA", years: tuple[int, ...] = (2024, 2025)) -> bytes:
    return factories.sample_csv(country, TABLES, years=years)


def publish(focal_point, reviewer, round_, data: bytes, *, country: str = "THA", release: Release | None = None):
    """The whole path for one country's file: validated, described, submitted, approved (into `release`)."""
    submission = factories.validated(focal_point, round_, data, country=country)
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission, release=release)
    return observations_publish(submission_id=submission.pk)


def published(indicator: str, ref_area: str, classif1: str, time: str, classif2: str = "") -> Decimal:
    """The public value of one cell, read straight from the master table."""
    base = Observation.objects.filter(
        indicator=indicator, ref_area=ref_area, sex="SEX_T", classif1=classif1, classif2=classif2, time=time
    )
    return public_versions(base).values_list("obs_value", flat=True).get()


def flag_outflow_total(row: dict) -> None:
    """Thailand's 2025 outflow total with a break in series and its note: a flag the page shows as a footnote."""
    if (row["indicator"], row["sex"], row["classif1"], row["time"]) == (OUTFLOWS, "SEX_T", "CDS_DES_TOTAL", "2025"):
        row["obs_status"], row["note"] = "B", "new overseas employment register"


def test_every_key_figure_names_codes_of_its_table_in_the_catalogue(catalogue):
    for spec in KEY_FIGURES:
        lists = dict(TableDimension.objects.filter(table_id=spec.indicator).values_list("column", "codelist_id"))
        for column, code in (("sex", spec.sex), ("classif1", spec.classif1), ("classif2", spec.classif2)):
            if code:
                assert Code.objects.filter(codelist_id=lists[column], code=code).exists(), (spec.indicator, code)
            else:
                assert column not in lists


def test_key_figures_equal_the_published_values_with_their_change(focal_point, reviewer, overview_round):
    publish(focal_point, reviewer, overview_round, edited(content(), flag_outflow_total))
    overview = country_overview(country=Country.objects.get(iso3="THA"), user=AnonymousUser())
    for figure in overview.figures:
        spec = figure.spec
        latest = published(spec.indicator, "THA", spec.classif1, "2025", spec.classif2)
        before = published(spec.indicator, "THA", spec.classif1, "2024", spec.classif2)
        assert [p.time for p in figure.points] == ["2024", "2025"]
        assert figure.latest.value == latest and figure.previous.value == before
        assert figure.change == latest - before
        assert figure.change_percent == pytest.approx(float((latest - before) / before * 100))
        assert figure.source == ("BA" if spec.indicator.startswith("MST") else "FA")


def test_the_country_page_shows_each_figure_its_trend_flags_and_links(client, focal_point, reviewer, overview_round):
    publish(focal_point, reviewer, overview_round, edited(content(), flag_outflow_total))
    page = client.get("/countries/THA/").content.decode()
    outflow = published(OUTFLOWS, "THA", "CDS_DES_TOTAL", "2025")
    employed = published("MST_TEMP_SEX_AGE_CBR_NB", "THA", "AGE_YTHADULT_YGE15", "2025", "CBR_BIR_FOREIGN")
    assert f"{outflow:,f}" in page and f"{employed:,f}" in page
    assert "thousand persons in 2025" in page and "against 2024" in page
    # The trend is an SVG a screen reader reads: a title and every year with its value.
    assert '<title id="spark-outflows-t">Outflows of nationals for employment, Thailand, 2024–2025</title>' in page
    assert f"2025 {outflow:,f}." in page
    assert "(B)</abbr> Break in series — new overseas employment register" in page
    assert 'Administrative records <small class="code">FA</small>' in page
    for spec in KEY_FIGURES:
        assert f'href="/data/{spec.indicator}/THA/"' in page
        assert f'href="/explore/?indicator={spec.indicator}&amp;ref_area=THA"' in page
    assert 'href="/countries/THA/availability/"' in page and 'href="/regions/ASEAN/"' in page
    assert f'Thailand reports in <a href="/regions/ASEAN/">{asean_region().name}</a>.' in page


def asean_region() -> Region:
    return Region.objects.get(code="ASEAN")


def test_the_asean_matrices_equal_the_published_tables(
    client, focal_point, other_focal_point, reviewer, overview_round
):
    publish(focal_point, reviewer, overview_round, content("THA"))
    publish(other_focal_point, reviewer, overview_round, content("MYS"), country="MYS")
    overview = region_overview(region=asean_region(), user=AnonymousUser())
    members = set(asean_region().countries.values_list("iso3", flat=True))
    assert overview.year == "2025" and overview.years == ["2025", "2024"]
    names = [c.iso3 for c in overview.members]
    tha = next(r for r in overview.flows if r.country.iso3 == "THA")
    cells = dict((dest.iso3, cell) for dest, cell in tha.cells)
    assert cells["MYS"].value == published(OUTFLOWS, "THA", "CDS_DES_MYS", "2025")
    assert cells["MYS"].indicator == OUTFLOWS and cells["MYS"].reporter == "THA"
    assert cells["THA"] is None  # the diagonal
    to_asean = [
        v
        for c, v in public_versions(
            Observation.objects.filter(indicator=OUTFLOWS, ref_area="THA", sex="SEX_T", time="2025")
        ).values_list("classif1", "obs_value")
        if c.removeprefix("CDS_DES_") in members
    ]
    assert tha.total.value == sum(to_asean)
    row = next(r for r in overview.region_rows if r.country.iso3 == "THA")
    assert row.total.value == published(OUTFLOWS, "THA", "CDS_DES_TOTAL", "2025")
    within = f"Within {asean_region().name}"
    assert overview.region_labels[0] == within
    assert row.regions[overview.region_labels.index(within)].value == sum(to_asean)
    # Column totals add up what the origins report; Malaysia's column holds Thailand's cell alone here.
    column = [r.cells[names.index("MYS")][1] for r in overview.flows]
    assert overview.flow_totals[names.index("MYS")].value == sum(c.value for c in column if c)
    assert [r.country.iso3 for r, c in zip(overview.flows, column, strict=True) if c] == ["THA"]
    assert (
        overview.flow_total.value
        == tha.total.value + next(r for r in overview.flows if r.country.iso3 == "MYS").total.value
    )
    # The same people counted from both sides: Thailand's nationals in Malaysia, Malaysia's residents born in Thailand.
    stocks = dict(overview.stocks)[Country.objects.get(iso3="THA")]
    pair = stocks[names.index("MYS")]
    assert pair.nationals_abroad.value == published(NATIONALS_ABROAD, "THA", "CRS_RES_MYS", "2025")
    assert pair.foreign_born.value == published(FOREIGN_BORN, "MYS", "CBR_BRT_THA", "2025")
    assert (pair.nationals_abroad.reporter, pair.foreign_born.reporter) == ("THA", "MYS")

    page = client.get("/countries/asean/").content.decode()
    assert "Viet Nam has not published outflows yet." in page
    assert f"{cells['MYS'].value:,f}" in page
    title = "Outflow of nationals for employment by sex and destination (MNA_OEMP_SEX_CDS_NB), reported by Thailand"
    assert title in page


def test_an_earlier_year_is_shown_when_asked_and_a_year_without_data_is_said(
    client, focal_point, reviewer, overview_round
):
    publish(focal_point, reviewer, overview_round, content("THA"))
    assert region_overview(region=asean_region(), user=AnonymousUser(), year="2024").year == "2024"
    page = client.get("/countries/asean/", {"year": "1999"}).content.decode()
    assert "Nothing is published for 1999: showing 2025." in page
    assert client.get("/countries/asean/", {"year": "<script>"}).status_code == 200


def test_the_asean_page_reads_in_bulk(client, focal_point, reviewer, overview_round, django_assert_max_num_queries):
    publish(focal_point, reviewer, overview_round, content("THA"))
    with django_assert_max_num_queries(12):
        assert client.get("/countries/asean/").status_code == 200


def test_every_iso_code_falls_in_exactly_one_m49_group():
    groups = Counter(code for _name, codes in m49_groups() for code in codes)
    assert all(n == 1 for n in groups.values())
    assert set(groups) == {c.alpha_3 for c in pycountry.countries}


def test_the_members_of_the_region_form_the_first_group_and_leave_the_others(catalogue):
    members = set(asean_region().countries.values_list("iso3", flat=True))
    groups = destination_groups("ASEAN", members)
    assert groups.labels[0] == "Within ASEAN"
    assert {code for code, group in groups.group_of.items() if group == "Within ASEAN"} == members
    assert "South-eastern Asia" not in groups.labels  # what M49's South-eastern Asia keeps is "Other …"
    expected = {
        "CDS_DES_SAU": "Western Asia",
        "CDS_DES_TWN": "Eastern Asia",
        "CDS_DES_HKG": "Eastern Asia",
        "CDS_DES_TLS": "Other South-eastern Asia",
        "CDS_DES_USA": "Northern America",
        "CDS_DES_AUS": "Oceania",
        "CDS_DES_DEU": "Europe",
        "CRS_RES_IND": "Southern Asia",
        "CDS_DES_VNM": "Within ASEAN",
        "CDS_DES_X": OTHER,
    }
    assert {code: groups.of(code) for code in expected} == expected


@time_machine.travel(TODAY, tick=False)
def test_embargoed_values_stay_off_the_public_pages_and_staff_see_them_marked(
    client, focal_point, other_focal_point, reviewer, overview_round
):
    publish(focal_point, reviewer, overview_round, content(years=(2024,)))
    scheduled = Release.objects.create(title="Thailand 2025", public_at=TOMORROW_9, scheduled=True)
    publish(focal_point, reviewer, overview_round, content(years=(2024, 2025)), release=scheduled)
    outflow_2025 = Observation.objects.get(
        indicator=OUTFLOWS, ref_area="THA", sex="SEX_T", classif1="CDS_DES_TOTAL", time="2025"
    ).obs_value

    for who in (None, other_focal_point):  # another country's focal point reads what the public reads
        if who:
            client.force_login(who)
        page = client.get("/countries/THA/").content.decode()
        assert "thousand persons in 2024" in page and "2025" not in page and "embargoed" not in page
        asean = client.get("/countries/asean/").content.decode()
        assert "2025" not in asean and "embargo-mark" not in asean
        assert client.get("/countries/asean/", {"year": "2025"}).content.decode().count("embargo-mark") == 0
    for insider in (reviewer, focal_point):
        client.force_login(insider)
        page = client.get("/countries/THA/").content.decode()
        assert "thousand persons in 2025" in page and "embargoed until 2 Dec 2026 09:00" in page
        assert f"{outflow_2025:,f}" in page
        assert 'class="embargo-mark"' in client.get("/countries/asean/").content.decode()
    client.logout()
    with time_machine.travel(TOMORROW_9, tick=False):
        page = client.get("/countries/THA/").content.decode()
        assert "thousand persons in 2025" in page and "embargoed" not in page


@time_machine.travel(TODAY, tick=False)
def test_staff_are_told_of_an_embargo_only_where_the_page_shows_an_embargoed_value(
    client, focal_point, reviewer, overview_round
):
    """An embargoed revision of the foreign-born total (a key figure, but no cell of the ASEAN page)."""
    data = content(years=(2024,))
    publish(focal_point, reviewer, overview_round, data)
    scheduled = Release.objects.create(title="Thailand revision", public_at=TOMORROW_9, scheduled=True)
    publish(focal_point, reviewer, overview_round, edited(data, revise), release=scheduled)
    client.force_login(reviewer)
    page = client.get("/countries/THA/").content.decode()
    assert page.count("embargoed until 2 Dec 2026 09:00") == 1
    assert "revised with the 2024 census weights" in page  # the revision's note, as a footnote
    assert "are embargoed" not in client.get("/countries/asean/").content.decode()


def test_empty_states_say_who_has_published_nothing(client, catalogue):
    page = client.get("/countries/VNM/").content.decode()
    assert "Viet Nam has not published any of these figures yet." in page
    assert "Viet Nam has not published outflows of nationals for employment yet." in page
    assert "<svg" not in page
    asean = client.get("/countries/asean/").content.decode()
    assert f"No member of {asean_region().name} has published outflows of nationals yet." in asean
    assert "Viet Nam has not published outflows yet." in asean


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/countries/THA/", "/countries/tha/", "/countries/asean/"])
def test_the_overviews_are_public_for_every_role(as_role, role, url):
    assert as_role(role).get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_country_is_a_404_not_a_500(as_role, role):
    assert as_role(role).get("/countries/XYZ/").status_code == 404


def test_the_countries_and_home_pages_lead_to_the_overviews(client, catalogue):
    countries = client.get("/countries/").content.decode()
    assert 'href="/regions/ASEAN/"' in countries and 'href="/countries/THA/"' in countries
    assert 'href="/countries/THA/availability/"' in countries  # the reports stay where they were
    home = client.get("/").content.decode()
    assert 'href="/regions/ASEAN/"' in home and 'href="/regions/"' in home


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_matrix_scrolls_in_its_own_box(page, live_server, catalogue, focal_point, reviewer):
    publish(focal_point, reviewer, factories.make_round(tables=TABLES), content("THA"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/countries/asean/")
    page.get_by_role("heading", name=f"Outflows between members of {asean_region().name}, 2025").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not scroll sideways
    box = page.get_by_role("region", name=f"Outflows between members of {asean_region().name}, origin by destination")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    box.focus()  # a keyboard user scrolls it with the arrow keys
    page.keyboard.press("ArrowRight")
    # Chromium scrolls smoothly: wait (at most Playwright's timeout) for the box to have moved, not for a frame.
    page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())
    assert box.evaluate("e => e.scrollLeft") > 0
    # The origin's name stays in view while the destinations scroll under it.
    header = box.get_by_role("rowheader", name="Thailand")
    assert header.evaluate("e => e.getBoundingClientRect().left") >= box.evaluate("e => e.getBoundingClientRect().left")
