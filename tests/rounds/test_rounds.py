"""Running a consultation round from the portal's pages: create or copy, open, extend, close, reopen one
country, archive; which uploads each state refuses and with what message; the audit entry of each action;
and who may open and post to every round page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from collection.lib.errors import PortalError, WrongState
from collection.models import AuditAction, AuditEntry, Country, Round, RoundCountry, Submission
from collection.rounds.lifecycle import (
    round_copy,
    round_copy_defaults,
    round_country_reopen,
    round_deadline,
    round_deadlines,
    round_move,
)
from tests import factories

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
FORM = {
    "name": "ILMS 2026",
    "reference_years": "2025, 2024",
    "opens_on": "2026-03-01",
    "deadline": "2026-06-30",
    "reminder_days": "3, 14",
    "countries": ["THA", "VNM"],
    "tables": ["MST_FORP_SEX_CBR_NB"],
}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def round_audit(round_: Round) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="round", object_id=str(round_.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def upload_refusal(round_: Round, iso3: str = "THA", user=None) -> str | None:
    """Upload a file of `iso3` to the round through the service; the refusal's message, or None if taken."""
    user = user or factories.make_user(f"fp_{iso3.lower()}", "focal_point", [iso3])
    try:
        factories.upload(user, round_, factories.sample_csv(iso3), country=iso3)
    except PortalError as exc:
        return exc.message
    return None


def post_action(client, round_: Round, action: str, data: dict | None = None):
    return client.post(f"/rounds/{round_.pk}/action/{action}/", data or {})


# The lifecycle, through the control room's buttons


def test_admin_takes_a_round_from_draft_to_archived(as_role, admin_user, catalogue):
    round_ = factories.make_round(status=Round.Status.DRAFT)
    client = as_role("admin")
    for action, status in [("open", "open"), ("close", "closed"), ("archive", "archived")]:
        response = post_action(client, round_, action)
        assert response.status_code == 302 and response["Location"] == f"/rounds/{round_.pk}/manage/"
        round_.refresh_from_db()
        assert round_.status == status
    assert round_.opened_at is not None and round_.closed_at is not None
    assert messages_of(response) == [
        "Round ILMS test round is open: its focal points can upload now.",
        "Round ILMS test round is closed: uploads are no longer accepted.",
        "Round ILMS test round is archived.",
    ]
    assert round_audit(round_) == ["round.opened", "round.closed", "round.archived"]
    assert AuditEntry.objects.filter(action="round.archived").get().actor == admin_user


def test_a_closed_round_is_reopened_for_everyone(as_role, open_round):
    client = as_role("admin")
    post_action(client, open_round, "close")
    response = post_action(client, open_round, "reopen")
    open_round.refresh_from_db()
    assert open_round.status == "open"
    assert messages_of(response)[-1] == "Round ILMS test round is open again: every country of it can upload."


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("draft", "close", "Round ILMS test round is draft: only an open round can be closed."),
        ("draft", "archive", "Round ILMS test round is draft: only a closed round can be archived."),
        ("open", "open", "Round ILMS test round is open: only a draft round can be opened."),
        ("open", "archive", "Round ILMS test round is open: only a closed round can be archived."),
        ("closed", "open", "Round ILMS test round is closed: only a draft round can be opened."),
        ("archived", "reopen", "Round ILMS test round is archived: only a closed round can be reopened."),
    ],
)
def test_a_move_the_status_does_not_allow_is_refused_with_its_reason(as_role, catalogue, status, action, message):
    round_ = factories.make_round(status=status)
    response = post_action(as_role("admin"), round_, action)
    assert response.status_code == 302
    assert messages_of(response) == [message]
    round_.refresh_from_db()
    assert round_.status == status
    assert round_audit(round_) == []


def test_the_manage_page_offers_only_the_moves_the_status_allows(as_role, open_round):
    page = as_role("admin").get(f"/rounds/{open_round.pk}/manage/").content.decode()
    assert f'action="/rounds/{open_round.pk}/action/close/"' in page
    for refused in ("open", "reopen", "archive", "reopen_country"):
        assert f'action="/rounds/{open_round.pk}/action/{refused}/"' not in page


def test_an_unknown_action_is_a_404_and_get_is_refused(as_role, open_round):
    client = as_role("admin")
    assert post_action(client, open_round, "delete").status_code == 404
    assert client.get(f"/rounds/{open_round.pk}/action/close/").status_code == 405
    open_round.refresh_from_db()
    assert open_round.status == "open"


def test_two_clicks_on_close_move_the_round_once(admin_user, open_round):
    stale = Round.objects.get(pk=open_round.pk)
    round_move(user=admin_user, round_=open_round, action="close")
    with pytest.raises(WrongState):
        round_move(user=admin_user, round_=stale, action="close")
    assert round_audit(open_round) == ["round.closed"]


# Which uploads are refused when, and with what message


def test_a_draft_round_refuses_uploads_until_it_opens(focal_point, catalogue):
    round_ = factories.make_round(status=Round.Status.DRAFT)
    assert upload_refusal(round_, user=focal_point) == (
        "Round ILMS test round has not opened yet: it takes uploads from when the ILO opens it."
    )
    round_.opens_on = dt.date(2026, 3, 1)
    round_.save()
    assert upload_refusal(round_, user=focal_point) == (
        "Round ILMS test round has not opened yet: it takes uploads from on 01 March 2026."
    )
    assert not Submission.objects.exists()


def test_a_closed_round_refuses_uploads_and_says_who_can_reopen_it(admin_user, focal_point, open_round):
    round_move(user=admin_user, round_=open_round, action="close")
    closed_on = f"{timezone.localdate():%d %B %Y}"
    assert upload_refusal(open_round, user=focal_point) == (
        f"Round ILMS test round closed on {closed_on}: uploads are no longer accepted. "
        "Ask the ILO to reopen it for Thailand if you need to send a correction."
    )
    assert not Submission.objects.exists()


def test_an_archived_round_refuses_uploads(focal_point, catalogue):
    round_ = factories.make_round(status=Round.Status.ARCHIVED)
    assert upload_refusal(round_, user=focal_point) == "Round ILMS test round is archived: it no longer takes uploads."


def test_a_country_reopened_after_closing_uploads_while_another_is_still_refused(
    admin_user, focal_point, other_focal_point, open_round
):
    round_move(user=admin_user, round_=open_round, action="close")
    round_country_reopen(user=admin_user, round_=open_round, country=Country.objects.get(iso3="THA"))
    assert upload_refusal(open_round, user=focal_point) is None
    assert "uploads are no longer accepted" in upload_refusal(open_round, "MYS", user=other_focal_point)
    assert list(Submission.objects.values_list("country_id", flat=True)) == ["THA"]


def test_closing_again_for_a_country_refuses_its_uploads_again(as_role, focal_point, open_round):
    client = as_role("admin")
    post_action(client, open_round, "close")
    post_action(client, open_round, "reopen_country", {"country": "THA"})
    response = post_action(client, open_round, "close_country", {"country": "THA"})
    assert messages_of(response)[-1] == "Round ILMS test round is closed again for Thailand."
    open_round.refresh_from_db()
    assert "uploads are no longer accepted" in upload_refusal(open_round, user=focal_point)


def test_reopening_and_closing_the_whole_round_forgets_the_country_reopened_before(admin_user, open_round):
    round_move(user=admin_user, round_=open_round, action="close")
    round_country_reopen(user=admin_user, round_=open_round, country=Country.objects.get(iso3="THA"))
    round_move(user=admin_user, round_=open_round, action="reopen")
    round_move(user=admin_user, round_=open_round, action="close")
    assert not RoundCountry.objects.filter(round=open_round, reopened=True).exists()


def test_a_late_upload_to_an_open_round_is_accepted(focal_point, catalogue):
    round_ = factories.make_round()
    Round.objects.filter(pk=round_.pk).update(deadline=timezone.localdate() - dt.timedelta(days=10))
    round_.refresh_from_db()
    assert upload_refusal(round_, user=focal_point) is None
    assert Submission.objects.filter(round=round_, country="THA").exists()


def test_a_country_not_in_the_round_is_refused(admin_user, open_round):
    message = upload_refusal(open_round, "VNM", user=admin_user)
    assert message == "Viet Nam is not part of round ILMS test round."
    assert not Submission.objects.exists()


def test_reopening_one_country_is_only_for_a_closed_round(as_role, open_round):
    response = post_action(as_role("admin"), open_round, "reopen_country", {"country": "THA"})
    assert messages_of(response) == ["Round ILMS test round is open: only a closed round is reopened for one country."]
    assert not RoundCountry.objects.exists()


def test_a_country_is_reopened_until_a_day_of_its_own(as_role, open_round):
    client = as_role("admin")
    post_action(client, open_round, "close")
    response = post_action(client, open_round, "reopen_country", {"country": "THA", "deadline": "2027-03-15"})
    assert messages_of(response)[-1] == "Thailand can upload to round ILMS test round again until 15 March 2027."
    assert round_deadline(open_round, "THA") == dt.date(2027, 3, 15)
    assert round_deadline(open_round, "MYS") == dt.date(2027, 1, 31)
    page = client.get(f"/rounds/{open_round.pk}/manage/").content.decode()
    assert "Close again for Thailand" in page and "Reopen for Malaysia" in page


# Deadlines


def test_the_deadline_is_extended_for_every_country(as_role, open_round):
    response = post_action(as_role("admin"), open_round, "extend", {"deadline": "2027-02-28", "country": ""})
    assert messages_of(response) == ["The deadline for every country is now 28 February 2027."]
    open_round.refresh_from_db()
    assert open_round.deadline == dt.date(2027, 2, 28)
    assert round_deadlines(open_round) == {"THA": dt.date(2027, 2, 28), "MYS": dt.date(2027, 2, 28)}
    entry = AuditEntry.objects.get(action=AuditAction.ROUND_EXTENDED)
    assert entry.detail == {"from": "2027-01-31", "to": "2027-02-28", "country": None}


def test_the_deadline_is_extended_for_one_country(as_role, open_round):
    response = post_action(as_role("admin"), open_round, "extend", {"deadline": "2027-02-28", "country": "THA"})
    assert messages_of(response) == ["The deadline for Thailand is now 28 February 2027."]
    open_round.refresh_from_db()
    assert open_round.deadline == dt.date(2027, 1, 31)
    assert round_deadlines(open_round) == {"THA": dt.date(2027, 2, 28), "MYS": dt.date(2027, 1, 31)}
    assert AuditEntry.objects.get(action=AuditAction.ROUND_EXTENDED).country == "THA"
    page = as_role("admin").get(f"/rounds/{open_round.pk}/manage/").content.decode()
    assert '28 Feb 2027 <span class="badge round-extended">extended</span>' in page


def test_the_focal_points_see_their_own_countrys_deadline(as_role, open_round):
    """The country page and the home page show the deadline that holds for the country, extension included."""
    post_action(as_role("admin"), open_round, "extend", {"deadline": "2027-02-28", "country": "THA"})
    for url in (f"/rounds/{open_round.pk}/THA/", "/"):
        page = as_role("fp_tha").get(url, follow=True).content.decode()
        assert "Deadline 28 February 2027" in page and "31 January 2027" not in page, url
    assert "Deadline 31 January 2027" in as_role("fp_mys").get(f"/rounds/{open_round.pk}/MYS/").content.decode()


def test_a_round_extension_does_not_shorten_a_countrys_later_deadline(admin_user, as_role, open_round):
    client = as_role("admin")
    post_action(client, open_round, "extend", {"deadline": "2027-03-31", "country": "THA"})
    post_action(client, open_round, "extend", {"deadline": "2027-02-28", "country": ""})
    open_round.refresh_from_db()
    assert round_deadlines(open_round) == {"THA": dt.date(2027, 3, 31), "MYS": dt.date(2027, 2, 28)}


def test_an_earlier_deadline_is_refused(as_role, open_round):
    response = post_action(as_role("admin"), open_round, "extend", {"deadline": "2027-01-15", "country": ""})
    assert messages_of(response) == ["The new deadline must be after the current one (31 January 2027)."]
    open_round.refresh_from_db()
    assert open_round.deadline == dt.date(2027, 1, 31)
    assert not AuditEntry.objects.filter(object_type="round").exists()


def test_an_extension_without_a_date_says_what_is_missing(as_role, open_round):
    response = post_action(as_role("admin"), open_round, "extend", {"deadline": "", "country": "THA"})
    assert messages_of(response) == ["Choose the new deadline and whether it holds for all countries or one."]


# Creating, copying and changing a round through the form


def test_admin_creates_a_draft_round_through_the_form(as_role, admin_user, catalogue):
    response = as_role("admin").post("/rounds/new/", FORM)
    round_ = Round.objects.get(name="ILMS 2026")
    assert response.status_code == 302 and response["Location"] == f"/rounds/{round_.pk}/manage/"
    assert round_.status == "draft"
    assert round_.reference_years == [2024, 2025] and round_.reminder_days == [14, 3]
    assert (round_.opens_on, round_.deadline) == (dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    assert sorted(round_.countries.values_list("iso3", flat=True)) == ["THA", "VNM"]
    assert list(round_.tables.values_list("indicator", flat=True)) == ["MST_FORP_SEX_CBR_NB"]
    entry = AuditEntry.objects.get(action=AuditAction.ROUND_CREATED)
    assert entry.actor == admin_user and entry.object_id == str(round_.pk)


def test_the_new_round_form_ticks_every_country_and_table(as_role, catalogue):
    form = as_role("admin").get("/rounds/new/").context["form"]
    assert len(form.initial["countries"]) == Country.objects.count() == 10
    assert len(form.initial["tables"]) == 16
    assert form.initial["reminder_days"] == "14, 3"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ILMS test round", "A round named ILMS test round already exists; choose another name."),
        ("  ilms TEST round ", "A round named ilms TEST round already exists; choose another name."),
    ],
)
def test_a_round_name_is_used_once_whatever_its_case(as_role, open_round, name, message):
    response = as_role("admin").post("/rounds/new/", {**FORM, "name": name})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    page = response.content.decode()
    assert message in page and 'value="2025, 2024"' in page and 'value="2026-06-30"' in page  # nothing lost
    assert Round.objects.count() == 1


def test_the_services_refusals_show_on_the_form(as_role, catalogue):
    response = as_role("admin").post("/rounds/new/", {**FORM, "opens_on": "2026-07-01"})
    assert response.context["form"].non_field_errors() == ["The deadline must fall on or after the opening day."]
    response = as_role("admin").post("/rounds/new/", {**FORM, "reference_years": "2025, twenty"})
    assert response.context["form"].errors["reference_years"] == [
        "Write whole numbers separated by commas, e.g. 2024, 2025."
    ]
    assert not Round.objects.exists()


@pytest.mark.parametrize(("select", "ticked"), [("tables-none", 0), ("tables-all", 16), ("countries-none", 0)])
def test_select_all_or_none_keeps_what_was_typed_and_saves_nothing(as_role, catalogue, select, ticked):
    response = as_role("admin").post("/rounds/new/", {**FORM, "select": select})
    assert response.status_code == 200 and not Round.objects.exists()
    form = response.context["form"]
    field = select.split("-")[0]
    assert len(form.initial[field]) == ticked
    assert form.initial["name"] == "ILMS 2026" and not form.errors


def test_copy_shifts_the_years_and_dates_by_one_year(admin_user, catalogue):
    source = factories.make_round(name="ILMS 2025", years=(2023, 2024))
    Round.objects.filter(pk=source.pk).update(opens_on=dt.date(2024, 2, 29), reminder_days=[21, 7])
    source.refresh_from_db()
    defaults = round_copy_defaults(source)
    assert defaults["name"] == "ILMS 2026" and defaults["reference_years"] == [2024, 2025]
    assert (defaults["opens_on"], defaults["deadline"]) == (dt.date(2025, 2, 28), dt.date(2028, 1, 31))
    copy = round_copy(user=admin_user, source=source, name=defaults["name"])
    assert copy.status == "draft" and copy.reminder_days == [21, 7]
    assert sorted(copy.countries.values_list("iso3", flat=True)) == ["MYS", "THA"]
    assert set(copy.tables.values_list("indicator", flat=True)) == set(factories.SMALL_TABLES)


def test_the_copy_form_is_prefilled_from_the_source_round(as_role, open_round):
    response = as_role("admin").get(f"/rounds/new/?copy={open_round.pk}")
    initial = response.context["form"].initial
    assert response.context["heading"] == "Copy of ILMS test round"
    assert initial["name"] == "ILMS test round (copy)" and initial["reference_years"] == "2025, 2026"
    assert initial["deadline"] == dt.date(2028, 1, 31)
    assert sorted(initial["countries"]) == ["MYS", "THA"] and len(initial["tables"]) == 2


def test_the_list_offers_to_copy_the_latest_round(as_role, open_round):
    newer = factories.make_round(name="ILMS 2026")
    page = as_role("admin").get("/rounds/").content.decode()
    assert f'href="/rounds/new/?copy={newer.pk}">Copy ILMS 2026</a>' in page


def test_the_list_copies_the_round_with_the_latest_years_not_the_latest_created(as_role, catalogue):
    newest = factories.make_round(name="ILMS 2026", years=(2024, 2025))
    older_made_later = factories.make_round(name="ILMS 2024 (late)", years=(2022, 2023))
    assert older_made_later.created_at >= newest.created_at
    page = as_role("admin").get("/rounds/").content.decode()
    assert f'href="/rounds/new/?copy={newest.pk}">Copy ILMS 2026</a>' in page


def test_a_copy_proposes_a_name_no_round_has(as_role, catalogue):
    source = factories.make_round(name="ILMS 2026")
    factories.make_round(name="ILMS 2027", years=(2025, 2026))
    factories.make_round(name="ilms 2027 (2)", years=(2025, 2026))
    initial = as_role("admin").get(f"/rounds/new/?copy={source.pk}").context["form"].initial
    assert initial["name"] == "ILMS 2027 (3)" and initial["reference_years"] == "2025, 2026"


def test_admin_changes_a_round_and_the_change_is_audited(as_role, open_round):
    client = as_role("admin")
    assert client.get(f"/rounds/{open_round.pk}/edit/").context["form"].initial["name"] == "ILMS test round"
    response = client.post(
        f"/rounds/{open_round.pk}/edit/",
        {**FORM, "name": "ILMS test round", "countries": ["THA", "MYS", "VNM"], "deadline": "2027-01-31"},
    )
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.status == "open" and open_round.countries.count() == 3
    entry = AuditEntry.objects.get(action=AuditAction.ROUND_CHANGED)
    assert entry.detail["countries"] == {"from": ["MYS", "THA"], "to": ["MYS", "THA", "VNM"]}


def test_an_archived_round_cannot_be_edited(as_role, catalogue):
    round_ = factories.make_round(status=Round.Status.ARCHIVED)
    response = as_role("admin").post(f"/rounds/{round_.pk}/edit/", {**FORM, "name": "Renamed"})
    assert response.status_code == 302 and response["Location"] == f"/rounds/{round_.pk}/manage/"
    assert messages_of(response) == ["Round ILMS test round is archived and can no longer change."]
    round_.refresh_from_db()
    assert round_.name == "ILMS test round"


# Every action leaves its entry in the audit log


@pytest.mark.parametrize(
    ("status", "action", "data", "recorded"),
    [
        ("draft", "open", {}, "round.opened"),
        ("open", "close", {}, "round.closed"),
        ("closed", "reopen", {}, "round.reopened"),
        ("closed", "archive", {}, "round.archived"),
        ("open", "extend", {"deadline": "2027-02-15"}, "round.extended"),
        ("closed", "reopen_country", {"country": "THA"}, "round.country_reopened"),
        ("closed", "close_country", {"country": "THA"}, "round.country_reopened"),
    ],
)
def test_each_round_action_writes_its_audit_entry(as_role, admin_user, catalogue, status, action, data, recorded):
    round_ = factories.make_round(status=status)
    post_action(as_role("admin"), round_, action, data)
    entry = AuditEntry.objects.get(object_type="round")
    assert (entry.action, entry.object_type, entry.object_id) == (recorded, "round", str(round_.pk))
    assert entry.actor == admin_user and entry.round_name == round_.name and entry.ip == "127.0.0.1"
    page = as_role("admin").get(f"/rounds/{round_.pk}/manage/").content.decode()
    assert entry.summary in page


# Who may open and post to each round page


@pytest.fixture
def draft_round(catalogue) -> Round:
    return factories.make_round(name="Draft round", status=Round.Status.DRAFT)


@pytest.mark.parametrize("url", ["/rounds/", "/rounds/new/", "/rounds/{pk}/manage/", "/rounds/{pk}/edit/"])
@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)],
)
def test_round_pages_are_for_ilo_staff(as_role, open_round, url, role, expected):
    if role == "reviewer" and url in ("/rounds/new/", "/rounds/{pk}/edit/"):
        expected = 404  # reviewers follow rounds, they do not change them
    url = url.format(pk=open_round.pk)
    response = as_role(role).get(url)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 404), ("reviewer", 404), ("admin", 200)])
def test_a_draft_round_is_seen_by_admins_only(as_role, draft_round, role, expected):
    assert as_role(role).get(f"/rounds/{draft_round.pk}/manage/").status_code == expected
    assert ("Draft round" in as_role(role).get("/rounds/").content.decode()) == (role == "admin")


def test_reviewers_see_the_control_room_without_buttons(as_role, open_round):
    page = as_role("reviewer").get(f"/rounds/{open_round.pk}/manage/").content.decode()
    assert "ILMS test round" in page and "Thailand" in page
    assert "/action/" not in page and "/edit/" not in page
    listing = as_role("reviewer").get("/rounds/").content.decode()
    assert "New round" not in listing and f"/rounds/{open_round.pk}/dashboard/" in listing


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "action"), [("open", "close"), ("open", "extend"), ("closed", "reopen_country")])
def test_only_admins_post_round_actions(as_role, catalogue, people, role, status, action):
    round_ = factories.make_round(status=status)
    url = f"/rounds/{round_.pk}/action/{action}/"
    response = as_role(role).post(url, {"deadline": "2027-02-15", "country": "THA"})
    expected = {"anonymous": 302, "admin": 302}.get(role, 404)
    assert response.status_code == expected
    round_.refresh_from_db()
    if role == "admin":
        assert response["Location"] == f"/rounds/{round_.pk}/manage/"
        assert AuditEntry.objects.get(object_type="round").object_id == str(round_.pk)
    else:
        assert round_.status == status and round_.deadline == dt.date(2027, 1, 31)
        assert not RoundCountry.objects.exists() and not AuditEntry.objects.filter(object_type="round").exists()
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_post_the_round_forms(as_role, open_round, role):
    created = as_role(role).post("/rounds/new/", FORM)
    changed = as_role(role).post(f"/rounds/{open_round.pk}/edit/", {**FORM, "name": "Renamed"})
    expected = {"anonymous": 302, "admin": 302}.get(role, 404)
    assert (created.status_code, changed.status_code) == (expected, expected)
    open_round.refresh_from_db()
    assert Round.objects.filter(name="ILMS 2026").exists() == (role == "admin")
    assert (open_round.name == "Renamed") == (role == "admin")


def test_an_unknown_round_is_a_404(as_role, catalogue):
    client = as_role("admin")
    assert client.get("/rounds/999/manage/").status_code == 404
    assert client.get("/rounds/new/?copy=999").status_code == 404
    assert post_action(client, Round(pk=999, name="x"), "close").status_code == 404


# The API goes through the same service


def test_the_api_refuses_a_status_no_single_action_reaches_and_names_the_actions(api, admin_user, open_round):
    """Issue 10 replaced "status is ignored" (silently answering 200 with the old status) by a refusal."""
    api.force_authenticate(admin_user)
    response = api.patch(f"/api/v1/rounds/{open_round.pk}/", {"status": "archived", "name": "Renamed"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"Round ILMS test round is open: to make it archived, call POST /api/v1/rounds/{open_round.pk}/close/ "
        f"and then POST /api/v1/rounds/{open_round.pk}/archive/."
    )
    open_round.refresh_from_db()
    assert (open_round.status, open_round.name) == ("open", "ILMS test round")
    assert round_audit(open_round) == []


def test_an_api_change_is_checked_and_audited_like_the_pages(api, admin_user, open_round):
    api.force_authenticate(admin_user)
    response = api.patch(
        f"/api/v1/rounds/{open_round.pk}/", {"reminder_days": [7, 30], "opens_on": "2026-01-10"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reminder_days"] == [30, 7] and body["opens_on"] == "2026-01-10"
    assert sorted(body["countries"]) == ["MYS", "THA"]
    entry = AuditEntry.objects.get(action=AuditAction.ROUND_CHANGED)
    assert entry.actor == admin_user and set(entry.detail) == {"reminder_days", "opens_on"}
    refused = api.post(
        "/api/v1/rounds/",
        {
            "name": "ilms TEST round",
            "reference_years": [2025],
            "countries": ["THA"],
            "tables": ["MST_FORP_SEX_CBR_NB"],
            "deadline": "2028-01-31",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "A round named ilms TEST round already exists; choose another name."}


# The demo's rounds are run through the service too


def test_the_seeded_rounds_carry_their_history(catalogue):
    from django.core.management import call_command

    call_command("seed_demo")
    history, current = Round.objects.get(name="ILMS 2025"), Round.objects.get(name="ILMS 2026")
    assert round_audit(history) == [AuditAction.ROUND_CREATED, AuditAction.ROUND_OPENED, AuditAction.ROUND_CLOSED]
    assert round_audit(current) == [AuditAction.ROUND_CREATED, AuditAction.ROUND_OPENED]
    assert {e.actor.username for e in AuditEntry.objects.filter(object_type="round")} == {"admin"}
    assert history.opened_at < history.closed_at and current.opened_at and current.status == "open"
    first_upload = AuditEntry.objects.filter(action=AuditAction.SUBMISSION_UPLOADED).order_by("id").first()
    opened = AuditEntry.objects.get(action=AuditAction.ROUND_OPENED, object_id=str(history.pk))
    assert opened.id < first_upload.id  # opened before anyone uploaded into it
