"""Regions run from the portal's pages: an admin adds a region with any ISO 3166 countries, invites its focal
points, and runs a round for it; rounds, the dashboard and the reminders follow the region; who may open and
post to every region page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from collection.lib.errors import PortalError
from collection.models import AuditAction, AuditEntry, Country, Region, Round, Submission
from collection.notifications import reminders_send
from collection.rounds.lifecycle import round_copy, round_save, round_values
from collection.rounds.regions import region_save, round_region
from collection.validation.run import submission_validate
from tests import factories

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
REGION_FORM = {"code": "SOUTH_ASIA", "name": "South Asia", "countries": factories.SOUTH_ASIA}
ROUND_FORM = {
    "region": "SOUTH_ASIA",
    "name": "ILMS South Asia 2026",
    "reference_years": "2024, 2025",
    "opens_on": "",
    "deadline": "2027-01-31",
    "reminder_days": "14, 3",
    "countries": factories.SOUTH_ASIA,
    "tables": factories.SMALL_TABLES,
}


def page_of(response) -> str:
    return response.content.decode()


# Who may open the region pages


@pytest.mark.parametrize(
    "url",
    [
        "/rounds/regions/",
        "/rounds/regions/new/",
        "/rounds/regions/ASEAN/",
        "/rounds/regions/ASEAN/edit/",
        "/rounds/dashboard/",
    ],
)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)],
)
def test_region_pages_are_for_ilo_staff(as_role, open_round, url, role, expected):
    if role == "reviewer" and url.endswith(("/new/", "/edit/")):
        expected = 404  # reviewers follow regions, they do not change them
    response = as_role(role).get(url)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_post_the_region_forms(as_role, catalogue, people, role):
    created = as_role(role).post("/rounds/regions/new/", REGION_FORM)
    changed = as_role(role).post("/rounds/regions/ASEAN/edit/", {"name": "Renamed", "countries": ["THA"]})
    expected = {"anonymous": 302, "admin": 302}.get(role, 404)
    assert (created.status_code, changed.status_code) == (expected, expected)
    assert Region.objects.filter(code="SOUTH_ASIA").exists() == (role == "admin")
    asean = Region.objects.get(code="ASEAN")
    if role != "admin":
        assert asean.countries.count() == 10 and not AuditEntry.objects.filter(object_type="region").exists()


def test_an_unknown_region_is_a_404(as_role, catalogue):
    assert as_role("admin").get("/rounds/regions/NOWHERE/").status_code == 404
    assert as_role("admin").get("/rounds/regions/NOWHERE/edit/").status_code == 404


# Creating and changing a region


def test_admin_creates_a_region_of_countries_new_to_the_portal(as_role, admin_user, catalogue):
    assert not Country.objects.filter(iso3="NPL").exists()
    response = as_role("admin").post("/rounds/regions/new/", {**REGION_FORM, "code": " south_asia "})
    assert response.status_code == 302 and response["Location"] == "/rounds/regions/SOUTH_ASIA/"
    region = Region.objects.get(code="SOUTH_ASIA")
    assert region.name == "South Asia" and sorted(region.countries.values_list("iso3", flat=True)) == sorted(
        factories.SOUTH_ASIA
    )
    assert Country.objects.get(iso3="NPL").name == "Nepal"  # its ISO 3166 name
    assert Country.objects.get(iso3="LKA").name == "Sri Lanka"
    entry = AuditEntry.objects.get(action=AuditAction.REGION_CREATED)
    assert entry.actor == admin_user and entry.object_id == "SOUTH_ASIA"
    assert entry.detail["new_in_catalogue"] == sorted(factories.SOUTH_ASIA)
    assert 'href="/rounds/regions/SOUTH_ASIA/"' in page_of(as_role("admin").get("/audit/?action=region.created"))
    # The list counts its countries, focal points and rounds; ASEAN is untouched.
    listing = page_of(as_role("admin").get("/rounds/regions/"))
    assert "South Asia" in listing and "<code>SOUTH_ASIA</code>" in listing
    assert Region.objects.get(code="ASEAN").countries.count() == 10


def test_the_region_form_offers_every_iso_country_members_first(as_role, catalogue):
    form = as_role("admin").get("/rounds/regions/ASEAN/edit/").context["form"]
    choices = form.fields["countries"].choices
    assert len(choices) >= 249  # every ISO 3166 country
    assert {iso3 for iso3, _ in choices[:10]} == set(
        Region.objects.get(code="ASEAN").countries.values_list("iso3", flat=True)
    )
    assert dict(choices)["LAO"] == "Lao PDR"  # the catalogue's name where it has one
    assert form.fields["code"].disabled  # a code is kept for good


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "ASEAN"}, "A region with the code ASEAN already exists; choose another code."),
        ({"name": "association of southeast asian nations (asean)"}, "A region named"),
        ({"code": "S"}, "Use 2-20 capital letters, digits or _, e.g. ASEAN."),
    ],
)
def test_a_refused_region_says_why_and_keeps_what_was_typed(as_role, catalogue, data, message):
    response = as_role("admin").post("/rounds/regions/new/", {**REGION_FORM, **data})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].non_field_errors())
    assert sorted(response.context["form"].data.getlist("countries")) == sorted(factories.SOUTH_ASIA)  # nothing lost
    assert not Region.objects.filter(name="South Asia").exists()


def test_a_code_that_is_no_iso_country_is_refused(admin_user, catalogue):
    with pytest.raises(PortalError, match="XKX is not an ISO 3166 country code"):
        region_save(user=admin_user, code="BALKANS", name="Balkans", countries=["SRB", "XKX"])
    assert not Region.objects.filter(code="BALKANS").exists() and not Country.objects.filter(iso3="SRB").exists()


def test_a_member_still_asked_by_a_round_cannot_leave_the_region(as_role, admin_user, open_round):
    asean = Region.objects.get(code="ASEAN")
    others = [c for c in asean.countries.values_list("iso3", flat=True) if c != "THA"]
    response = as_role("admin").post("/rounds/regions/ASEAN/edit/", {"name": asean.name, "countries": others})
    assert "Round ILMS test round (open) still asks Thailand" in " ".join(response.context["form"].non_field_errors())
    assert asean.countries.filter(iso3="THA").exists()
    # A member no round asks leaves, and the change is audited.
    others.remove("VNM")
    region_save(user=admin_user, region=asean, code="ASEAN", name=asean.name, countries=[*others, "THA"])
    entry = AuditEntry.objects.get(action=AuditAction.REGION_CHANGED)
    assert entry.detail["countries_removed"] == ["VNM"] and "removed VNM" in entry.summary


def test_the_region_page_lists_members_with_their_focal_points_and_invites(as_role, second_region, npl_focal_point):
    page = page_of(as_role("admin").get("/rounds/regions/SOUTH_ASIA/"))
    assert "Nepal" in page and "fp_npl" in page and "Nobody yet" in page  # Bhutan has nobody
    assert "/people/invite/?country=BTN&amp;next=/rounds/regions/SOUTH_ASIA/" in page
    assert "/rounds/new/?region=SOUTH_ASIA" in page
    reviewer_page = page_of(as_role("reviewer").get("/rounds/regions/SOUTH_ASIA/"))
    assert "Nepal" in reviewer_page and "/people/invite/" not in reviewer_page


def test_an_invitation_from_the_region_page_goes_back_to_it(as_role, second_region):
    response = as_role("admin").post(
        "/people/invite/?country=BTN&next=/rounds/regions/SOUTH_ASIA/",
        {
            "email": "Dorji@example.bt",
            "name": "Dorji Wangmo",
            "role": "focal_point",
            "countries": ["BTN"],
            "next": "/rounds/regions/SOUTH_ASIA/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/rounds/regions/SOUTH_ASIA/"
    assert mail.outbox[-1].to == ["dorji@example.bt"]
    assert "Invitation pending" in page_of(as_role("admin").get("/rounds/regions/SOUTH_ASIA/"))
    # Somewhere else is never a destination.
    away = as_role("admin").post(
        "/people/invite/",
        {"email": "x@example.org", "role": "reviewer", "next": "https://evil.example.org/"},
    )
    assert away["Location"] == "/people/"


# Rounds per region


def test_the_round_form_starts_with_the_first_region_and_all_its_countries(as_role, second_region):
    form = as_role("admin").get("/rounds/new/").context["form"]
    assert form.initial["region"] == "ASEAN" and len(form.initial["countries"]) == 10
    form = as_role("admin").get("/rounds/new/?region=SOUTH_ASIA").context["form"]
    assert form.initial["region"] == "SOUTH_ASIA" and sorted(form.initial["countries"]) == sorted(factories.SOUTH_ASIA)
    assert {box.data["value"] for box in form.country_boxes()} == set(factories.SOUTH_ASIA)


def test_choosing_a_region_shows_its_countries_and_saves_nothing(as_role, second_region):
    response = as_role("admin").post("/rounds/new/", {**ROUND_FORM, "countries": ["THA"], "select": "region"})
    assert response.status_code == 200 and not Round.objects.exists()
    form = response.context["form"]
    assert sorted(form.initial["countries"]) == sorted(factories.SOUTH_ASIA)
    assert "Countries of South Asia" in page_of(response)


def test_a_country_outside_the_region_is_refused_in_words(as_role, second_region):
    response = as_role("admin").post("/rounds/new/", {**ROUND_FORM, "countries": ["NPL", "THA", "MYS"]})
    assert response.context["form"].non_field_errors() == [
        "Malaysia and Thailand are not members of South Asia: a round asks only its region's countries. "
        "Add them to the region first, or choose another region."
    ]
    assert not Round.objects.exists()


def test_admin_creates_a_round_for_the_second_region(as_role, second_region):
    response = as_role("admin").post("/rounds/new/", ROUND_FORM)
    round_ = Round.objects.get(name="ILMS South Asia 2026")
    assert response["Location"] == f"/rounds/{round_.pk}/manage/"
    assert round_.region == second_region and round_.countries.count() == 8
    assert AuditEntry.objects.get(action=AuditAction.ROUND_CREATED).detail["region"] == "SOUTH_ASIA"
    listing = page_of(as_role("admin").get("/rounds/?region=SOUTH_ASIA"))
    assert "ILMS South Asia 2026" in listing and "Copy ILMS South Asia 2026" in listing
    assert "ILMS South Asia 2026" not in page_of(as_role("admin").get("/rounds/?region=ASEAN"))
    assert "South Asia" in page_of(as_role("admin").get(f"/rounds/{round_.pk}/manage/"))


def test_a_round_given_without_a_region_takes_the_one_its_countries_share(admin_user, second_region):
    """The API and commands from before regions send no region: one all the countries belong to is taken."""
    terms = {"reference_years": [2025], "deadline": dt.date(2027, 1, 31), "tables": factories.SMALL_TABLES}
    asean = round_save(user=admin_user, name="ASEAN round", countries=["THA", "MYS"], **terms)
    south = round_save(user=admin_user, name="South round", countries=["NPL", "IND"], **terms)
    assert (asean.region_id, south.region_id) == ("ASEAN", "SOUTH_ASIA")
    with pytest.raises(PortalError, match="not all members of one region: choose the round's region first"):
        round_save(user=admin_user, name="Mixed round", countries=["THA", "NPL"], **terms)
    assert round_region(["THA", "NPL"]) is None


def test_the_api_creates_a_round_in_a_region_and_refuses_a_non_member(api, admin_user, second_region):
    api.force_authenticate(admin_user)
    body = {
        "name": "ILMS South Asia 2026",
        "reference_years": [2025],
        "countries": ["NPL", "BGD"],
        "tables": factories.SMALL_TABLES,
        "deadline": "2027-01-31",
        "region": "SOUTH_ASIA",
    }
    created = api.post("/api/v1/rounds/", body, format="json")
    assert created.status_code == 201 and created.json()["region"] == "SOUTH_ASIA"
    refused = api.post("/api/v1/rounds/", {**body, "name": "Other", "countries": ["NPL", "THA"]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Thailand is not a member of South Asia: a round asks only its region's countries. "
        "Add them to the region first, or choose another region."
    }
    without = api.post(
        "/api/v1/rounds/", {k: v for k, v in body.items() if k != "region"} | {"name": "X"}, format="json"
    )
    assert without.status_code == 201 and without.json()["region"] == "SOUTH_ASIA"


def test_a_copy_keeps_the_region(admin_user, second_region):
    source = round_save(
        user=admin_user,
        region=second_region,
        name="ILMS South Asia 2026",
        reference_years=[2025],
        deadline=dt.date(2027, 1, 31),
        countries=["NPL", "BGD"],
        tables=factories.SMALL_TABLES,
    )
    copy = round_copy(user=admin_user, source=source, name="ILMS South Asia 2027")
    assert copy.region == second_region and round_values(copy)["countries"] == ["BGD", "NPL"]


# The completeness dashboard across regions, and reminders per region


def test_the_dashboard_has_a_row_per_region_and_each_regions_rounds(as_role, admin_user, open_round, second_region):
    south = factories.make_round(name="ILMS South Asia 2026", countries=("NPL", "BGD", "IND"))
    assert south.region == second_region
    response = as_role("reviewer").get("/rounds/dashboard/")
    summaries = {s.region.code: s for s in response.context["summaries"]}
    assert summaries["ASEAN"].total == 4 and summaries["SOUTH_ASIA"].total == 6  # countries x 2 tables
    assert summaries["SOUTH_ASIA"].not_started == 6 and summaries["SOUTH_ASIA"].open_rounds == [south]
    page = page_of(response)
    assert "Across regions" in page and f"/rounds/{south.pk}/dashboard/" in page
    one = as_role("reviewer").get("/rounds/dashboard/?region=SOUTH_ASIA")
    assert [s.region.code for s in one.context["summaries"]] == ["SOUTH_ASIA"]
    assert "Across regions" not in page_of(one)
    assert "South Asia" in page_of(as_role("reviewer").get(f"/rounds/{south.pk}/dashboard/"))


def test_a_reminder_of_the_second_regions_round_reaches_its_focal_point_only(focal_point, npl_focal_point):
    for user in (focal_point, npl_focal_point):
        user.email = f"{user.username}@example.org"
        user.save()
    factories.make_round(name="ILMS South Asia 2026", countries=("NPL",))
    with time_machine.travel(dt.datetime(2027, 1, 17, 6, 0, tzinfo=dt.UTC), tick=False):
        assert reminders_send() == 1
    assert [m.to for m in mail.outbox] == [["fp_npl@example.org"]]
    assert "Nepal's tables for ILMS South Asia 2026 are due in 14 days" in mail.outbox[0].subject


def test_a_region_does_not_widen_what_a_focal_point_sees(as_role, second_region, npl_focal_point, client):
    south = factories.make_round(name="ILMS South Asia 2026", countries=("NPL", "BGD"))
    client.force_login(npl_focal_point)
    assert client.get(f"/rounds/{south.pk}/NPL/").status_code == 200
    assert client.get(f"/rounds/{south.pk}/BGD/").status_code == 404  # another country of the same region
    assert client.get("/rounds/regions/SOUTH_ASIA/").status_code == 404


# The whole way: an admin adds a region and runs a round for it, without a code change


def test_admin_adds_a_region_and_runs_a_round_its_focal_point_reports_to(client, admin_user, reviewer, catalogue):
    client.force_login(admin_user)
    # 1. The region, through its page: countries the portal did not have.
    assert client.post("/rounds/regions/new/", REGION_FORM)["Location"] == "/rounds/regions/SOUTH_ASIA/"
    # 2. Its focal point, invited from the region's page; they set their password from the e-mailed link.
    invite = client.post(
        "/people/invite/",
        {
            "email": "sita@example.np",
            "name": "Sita Gurung",
            "role": "focal_point",
            "countries": ["NPL"],
            "next": "/rounds/regions/SOUTH_ASIA/",
        },
    )
    assert invite["Location"] == "/rounds/regions/SOUTH_ASIA/"
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitation/" in line).strip()
    path = link[link.index("/invitation/") :]
    focal = Client()
    form_page = focal.get(path)
    assert form_page.status_code == 200
    joined = focal.post(path, {"new_password1": "Kathmandu-2026-data", "new_password2": "Kathmandu-2026-data"})
    assert joined.status_code == 302
    # 3. A round for the region, through the round form, then opened: the focal point is told.
    client.post("/rounds/new/", ROUND_FORM)
    round_ = Round.objects.get(name="ILMS South Asia 2026")
    mail.outbox.clear()
    with_callbacks = client.post(f"/rounds/{round_.pk}/action/open/")
    assert with_callbacks.status_code == 302
    round_.refresh_from_db()
    assert round_.status == "open" and round_.region_id == "SOUTH_ASIA"
    # 4. Nepal's focal point uploads on the portal's upload page; the worker's check finds it valid.
    assert focal.get(f"/rounds/{round_.pk}/NPL/").status_code == 200
    upload = focal.post(
        "/submissions/new/",
        {"round": round_.pk, "country": "NPL", "file": SimpleUploadedFile("npl.csv", factories.sample_csv("NPL"))},
    )
    submission = Submission.objects.get(country="NPL")
    assert upload["Location"] == f"/submissions/{submission.pk}/"
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "valid" and submission.error_count == 0
    factories.describe_sources(submission)
    sita = submission.uploaded_by
    assert sita.username == "sita@example.np"
    factories.submit(sita, submission)
    # 5. The reviewer finds it in the queue and opens the workspace.
    ilo = Client()
    ilo.force_login(reviewer)
    assert f"/review/{submission.pk}/" in ilo.get("/review/").content.decode()
    assert ilo.get(f"/review/{submission.pk}/").status_code == 200
    # Thailand's focal point never sees it.
    other = Client()
    other.force_login(factories.make_user("fp_tha", "focal_point", ["THA"]))
    assert other.get(f"/submissions/{submission.pk}/").status_code == 404
