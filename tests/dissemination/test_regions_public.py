"""The public side per region and across regions, with a second region made in the test (SAARC's eight members)
and a third that shares members with both (BIMSTEC): region overviews whose "within" group is the region's
members, the countries page by region, the explorer's region filter, per-region bulk files, the regions in SDMX
(read by sdmx1 and pysdmx), embargoes kept and empty states. Data are published the real way."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sdmx
import time_machine
from django.contrib.auth.models import AnonymousUser
from pysdmx.io import read_sdmx

from collection.catalogue.regions import iso_country_name
from collection.dissemination import bulk
from collection.dissemination.overviews import OUTFLOWS, region_overview
from collection.models import Country, Observation, Region, Release
from collection.publication.vintages import public_versions
from tests import factories
from tests.dissemination.sdmx_helpers import CSV, FORP, XML, body, data_url, pysdmx_values, sdmx1_values, structure_of
from tests.dissemination.test_bulk import download
from tests.dissemination.test_overviews import ROLES, TABLES, content, publish
from tests.publication.test_vintages import TODAY, TOMORROW_9

SAARC = ("AFG", "BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA")
BIMSTEC = ("BGD", "BTN", "IND", "MMR", "NPL", "LKA", "THA")


def make_region(code: str, name: str, members: tuple[str, ...], order: int) -> Region:
    """A region as an admin makes it: any ISO 3166 countries, added to the catalogue where they are new."""
    for iso3 in members:
        Country.objects.get_or_create(iso3=iso3, defaults={"name": iso_country_name(iso3)})
    region = Region.objects.create(code=code, name=name, sort_order=order)
    region.countries.set(members)
    return region


@pytest.fixture
def saarc(catalogue) -> Region:
    return make_region("SAARC", "South Asian Association for Regional Cooperation", SAARC, 50)


@pytest.fixture
def bimstec(saarc) -> Region:
    return make_region("BIMSTEC", "Bay of Bengal Initiative (BIMSTEC)", BIMSTEC, 60)


@pytest.fixture
def fp_ind(saarc):
    return factories.make_user("fp_ind", "focal_point", ["IND"])


@pytest.fixture
def india_published(fp_ind, reviewer):
    round_ = factories.make_round(name="South Asia 2026", countries=("IND", "BGD"), tables=TABLES)
    return publish(fp_ind, reviewer, round_, content("IND"), country="IND")


@pytest.fixture
def thailand_published(focal_point, reviewer, catalogue):
    return publish(focal_point, reviewer, factories.make_round(tables=TABLES), content("THA"))


def public_outflows(ref_area: str, time: str = "2025") -> dict[str, Decimal]:
    base = Observation.objects.filter(indicator=OUTFLOWS, ref_area=ref_area, sex="SEX_T", time=time)
    return dict(public_versions(base).values_list("classif1", "obs_value"))


def to(values: dict[str, Decimal], members: tuple[str, ...]) -> Decimal:
    return sum((v for c, v in values.items() if c.removeprefix("CDS_DES_") in members), Decimal(0))


# --- region overviews -------------------------------------------------------------------------------------------


def test_the_second_regions_within_group_is_its_members_and_the_others_leave_them_out(client, saarc, india_published):
    overview = region_overview(region=saarc, user=AnonymousUser())
    outflows = public_outflows("IND")
    within = f"Within {saarc.name}"
    assert overview.region_labels[0] == within
    india = next(r for r in overview.region_rows if r.country.iso3 == "IND")
    assert india.regions[0].value == to(outflows, SAARC)
    # M49's Southern Asia without SAARC's members is Iran alone; the ASEAN members are plain South-eastern Asia.
    labels = overview.region_labels
    if "CDS_DES_IRN" in outflows:
        assert india.regions[labels.index("Other Southern Asia")].value == outflows["CDS_DES_IRN"]
    assert "Southern Asia" not in labels and "Other South-eastern Asia" not in labels
    assert india.regions[labels.index("South-eastern Asia")].value == to(
        outflows, ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM")
    )
    # Every destination is counted once: the groups add up to the parts the country published.
    parts = sum((v for c, v in outflows.items() if not c.endswith("_TOTAL")), Decimal(0))
    assert sum(c.value for c in india.regions if c) == parts
    matrix = dict((d.iso3, c) for d, c in next(r for r in overview.flows if r.country.iso3 == "IND").cells)
    assert set(matrix) == set(SAARC) and matrix["IND"] is None
    assert matrix["NPL"].value == outflows["CDS_DES_NPL"] and matrix["NPL"].reporter == "IND"

    page_text = client.get("/regions/SAARC/").content.decode()
    assert f"Outflows between members of {saarc.name}, 2025" in page_text
    assert f"{matrix['NPL'].value:,f}" in page_text and "Bangladesh has not published outflows yet." in page_text
    assert 'href="/explore/?region=SAARC"' in page_text and 'href="/downloads/ILMS_SAARC.csv.gz"' in page_text


def test_a_country_in_two_regions_is_within_each_of_them(client, bimstec, thailand_published):
    outflows = public_outflows("THA")
    asean = region_overview(region=Region.objects.get(code="ASEAN"), user=AnonymousUser())
    other = region_overview(region=bimstec, user=AnonymousUser())
    tha_asean = next(r for r in asean.region_rows if r.country.iso3 == "THA")
    tha_bimstec = next(r for r in other.region_rows if r.country.iso3 == "THA")
    asean_members = tuple(Region.objects.get(code="ASEAN").countries.values_list("iso3", flat=True))
    assert tha_asean.regions[0].value == to(outflows, asean_members)
    assert tha_bimstec.regions[0].value == to(outflows, BIMSTEC)
    assert tha_asean.total == tha_bimstec.total  # the published total, the same on both pages
    # On BIMSTEC's page Myanmar is within, the other ASEAN members are "Other South-eastern Asia".
    assert "Other South-eastern Asia" in other.region_labels
    countries = client.get("/countries/").content.decode()
    assert countries.count('href="/countries/THA/"') == 2 * 2  # listed under both regions (name and key figures)
    page = client.get("/countries/THA/").content.decode()
    assert 'href="/regions/ASEAN/"' in page and 'href="/regions/BIMSTEC/"' in page


def test_the_regions_page_gives_each_region_its_members_and_key_figures(client, saarc, india_published):
    page = client.get("/regions/").content.decode()
    outflows = public_outflows("IND")
    assert saarc.name in page and 'href="/regions/SAARC/"' in page and 'href="/regions/ASEAN/"' in page
    assert 'href="/countries/AFG/">Afghanistan</a>' in page and 'href="/countries/THA/">Thailand</a>' in page
    assert f"{outflows['CDS_DES_TOTAL']:,f}" in page  # SAARC's outflows: India's published total alone
    assert f"{to(outflows, SAARC):,f}" in page  # of which to another member
    assert "1 of 8" in page
    assert "No member has published outflows of nationals yet." in page  # ASEAN, nothing published there


def test_a_region_with_no_published_data_or_no_members_says_so(client, saarc):
    page = client.get("/regions/SAARC/").content.decode()
    assert f"No member of {saarc.name} has published outflows of nationals yet." in page
    assert "India has not published outflows yet." in page
    Region.objects.create(code="EMPTY", name="A region still empty")
    page = client.get("/regions/EMPTY/").content.decode()
    assert "A region still empty has no member countries yet" in page
    assert "No member countries yet." in client.get("/regions/").content.decode()
    assert "A region still empty has no member countries yet." in client.get("/countries/").content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url", ["/regions/", "/regions/SAARC/", "/regions/saarc/", "/regions/ASEAN/", "/countries/asean/", "/countries/"]
)
def test_the_region_pages_are_public_for_every_role(as_role, saarc, role, url):
    assert as_role(role).get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_region_is_a_404(as_role, catalogue, role):
    assert as_role(role).get("/regions/NOWHERE/").status_code == 404
    assert as_role(role).get("/downloads/ILMS_NOWHERE.csv.gz").status_code == 404


def test_the_old_asean_address_serves_the_asean_region(client, thailand_published):
    old, new = client.get("/countries/asean/", {"year": "2024"}), client.get("/regions/ASEAN/", {"year": "2024"})
    assert old.status_code == new.status_code == 200

    def main(response) -> str:  # the page without its header (whose form carries a fresh CSRF token)
        return response.content.decode().split('<main id="main">')[1]

    assert main(old) == main(new) and "Thailand" in main(old)


@time_machine.travel(TODAY, tick=False)
def test_embargoed_values_stay_off_every_region_read(client, saarc, fp_ind, reviewer, other_focal_point):
    round_ = factories.make_round(name="South Asia 2026", countries=("IND",), tables=TABLES)
    scheduled = Release.objects.create(title="India 2025", public_at=TOMORROW_9, scheduled=True)
    publish(fp_ind, reviewer, round_, content("IND"), country="IND", release=scheduled)
    total = Observation.objects.get(
        indicator=OUTFLOWS, ref_area="IND", sex="SEX_T", classif1="CDS_DES_TOTAL", time="2025"
    )
    for who in (None, other_focal_point):
        if who:
            client.force_login(who)
        for url in ("/regions/", "/regions/SAARC/"):
            page = client.get(url).content.decode()
            assert f"{total.obs_value:,f}" not in page and "embargo-mark" not in page, url
        explore = client.get("/explore/", {"indicator": OUTFLOWS, "region": "SAARC"}).content.decode()
        assert "No published values for this choice" in explore
        assert client.get(data_url(OUTFLOWS, "IND....")).status_code == 404  # matches nothing public
    assert download(client, "ILMS_SAARC.csv.gz") == []
    for insider in (reviewer, fp_ind):
        client.force_login(insider)
        assert 'class="embargo-mark"' in client.get("/regions/SAARC/").content.decode()
        assert 'class="embargo-mark"' in client.get("/regions/").content.decode()
    client.logout()
    assert download(client, "ILMS_SAARC.csv.gz") == []  # the bulk files are the public's, whoever asks


# --- bulk downloads ---------------------------------------------------------------------------------------------


def test_each_region_has_its_all_tables_file_and_every_country_one(client, india_published, thailand_published):
    saarc_rows, asean_rows = download(client, "ILMS_SAARC.csv.gz"), download(client, "ILMS_ASEAN.csv.gz")
    everyone = download(client, "ILMS.csv.gz")
    assert {r["ref_area"] for r in saarc_rows} == {"IND"} and {r["ref_area"] for r in asean_rows} == {"THA"}
    assert len(everyone) == len(saarc_rows) + len(asean_rows) == Observation.objects.count()
    assert {r["indicator"] for r in saarc_rows} == set(TABLES)
    labelled = download(client, "ILMS_SAARC.labels.csv.gz")
    assert {r["ref_area.label"] for r in labelled} == {"India"}
    page = client.get("/downloads/").content.decode()
    for name in ("ILMS_SAARC.csv.gz", "ILMS_ASEAN.csv.gz", "ILMS.csv.gz", "ILMS_SAARC.labels.csv.gz"):
        assert f'href="/downloads/{name}"' in page
    assert "All tables, South Asian Association for Regional Cooperation" in page


def test_a_regions_file_follows_its_members(client, saarc, india_published, thailand_published):
    assert {r["ref_area"] for r in download(client, "ILMS_SAARC.csv.gz")} == {"IND"}
    saarc.countries.add("THA")  # an admin adds a member: the same public state, a new file
    assert {r["ref_area"] for r in download(client, "ILMS_SAARC.csv.gz")} == {"IND", "THA"}
    assert bulk.scope_of("ILMS_SAARC.csv.gz") == ("ILMS_SAARC", False)


# --- explorer ---------------------------------------------------------------------------------------------------


def test_the_explorer_offers_a_regions_members_and_keeps_todays_queries(
    client, bimstec, india_published, thailand_published
):
    page = client.get("/explore/", {"indicator": OUTFLOWS, "region": "SAARC"}).content.decode()
    assert '<option value="SAARC" selected>' in page
    assert 'value="AFG" checked' in page and 'value="THA"' not in page  # the members, all chosen by default
    assert "CDS_DES_TOTAL" in page and "India" in page
    # Another region's country asked for by hand is not in this region's choice.
    page = client.get("/explore/", {"indicator": OUTFLOWS, "region": "SAARC", "ref_area": "THA"}).content.decode()
    assert 'value="THA"' not in page and 'value="IND" checked' in page
    # Across regions (no region), as before: every country, each labelled with its regions.
    page = client.get("/explore/", {"indicator": OUTFLOWS, "ref_area": "THA"}).content.decode()
    assert 'value="THA" checked' in page and 'value="IND">' in page and "THA · ASEAN · BIMSTEC" in page
    csv = client.get("/explore/download/csv/", {"indicator": OUTFLOWS, "region": "SAARC"})
    text = b"".join(csv.streaming_content).decode()
    assert csv.status_code == 200 and ",IND," in text and ",THA," not in text
    # An unknown region is every country, not an error.
    assert client.get("/explore/", {"indicator": OUTFLOWS, "region": "XYZ"}).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_explorer_with_a_region_is_public_for_every_role(as_role, saarc, role):
    for params in ({"region": "SAARC"}, {"region": "SAARC", "indicator": OUTFLOWS}):
        assert as_role(role).get("/explore/", params).status_code == 200


# --- SDMX -------------------------------------------------------------------------------------------------------


def test_sdmx_areas_cover_every_region_and_the_hierarchy_names_their_members(client, bimstec):
    area = sdmx.read_sdmx(io.BytesIO(client.get("/sdmx/codelist/ILO/CL_AREA/latest").content)).codelist["CL_AREA"]
    assert {"THA", "VNM", "AFG", "IND", "LKA"} <= {c.id for c in area}
    response = client.get("/sdmx/hierarchicalcodelist/ILO/HCL_REGION/latest", {"references": "children"})
    assert response.status_code == 200
    # sdmx1: a hierarchical code list of one hierarchy, each region's members below it.
    hcl = sdmx.read_sdmx(io.BytesIO(response.content)).hierarchical_codelist["HCL_REGION"]
    [hierarchy] = hcl.hierarchy
    members = {code.id: {child.code.id for child in code.child} for code in hierarchy.codes.values()}
    assert members["SAARC"] == set(SAARC) and members["BIMSTEC"] == set(BIMSTEC)
    assert "THA" in members["ASEAN"] and "THA" in members["BIMSTEC"]  # one country, two regions
    # pysdmx, an independent reader.
    [structure] = [s for s in read_sdmx(response.content.decode()).structures if s.id == "HCL_REGION"]
    read = {c.id: {child.urn.rsplit(".", 1)[-1] for child in c.codes} for c in structure.codes}
    assert read["SAARC"] == set(SAARC)
    regions = sdmx.read_sdmx(io.BytesIO(client.get("/sdmx/codelist/ILO/CL_REGION/latest").content))
    assert {c.id for c in regions.codelist["CL_REGION"]} == {"ASEAN", "SAARC", "BIMSTEC"}
    assert client.get("/sdmx/hierarchicalcodelist/ILO/HCL_OTHER/latest").status_code == 404


def test_a_region_is_asked_for_by_joining_its_members(client, india_published, thailand_published):
    key = "+".join(SAARC) + "...."  # REF_AREA.FREQ.MEASURE.SEX.CBR: the areas, the rest all
    xml = body(client.get(data_url(FORP, key), HTTP_ACCEPT=XML))
    values = sdmx1_values(xml, structure_of(client, FORP), ["SEX", "CBR"])
    assert values and {k[0] for k in values} == {"IND"}
    csv = body(client.get(data_url(FORP, key), HTTP_ACCEPT=CSV))
    assert pysdmx_values(csv, ["SEX", "CBR"]) == values
    both = body(client.get(data_url(FORP, "IND+THA...."), HTTP_ACCEPT=CSV))
    assert {k[0] for k in pysdmx_values(both, ["SEX", "CBR"])} == {"IND", "THA"}


@pytest.mark.parametrize("role", ROLES)
def test_the_regions_hierarchy_is_public_for_every_role(as_role, saarc, role):
    assert as_role(role).get("/sdmx/hierarchicalcodelist/ILO/HCL_REGION/latest").status_code == 200
    assert as_role(role).get("/sdmx/hierarchicalcodelist/ILO/all/latest").status_code == 200


# --- home page --------------------------------------------------------------------------------------------------


def test_the_home_page_and_menu_name_the_regions(client, saarc):
    page = client.get("/").content.decode()
    assert 'href="/regions/SAARC/"' in page and 'href="/regions/ASEAN/"' in page and 'href="/regions/"' in page
    assert "ASEAN overview" not in page and "for ASEAN" not in page
