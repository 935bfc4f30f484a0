"""Focal points and ILO staff: invitations that expire, resending, deactivation, password reset by e-mail, the
admins' people list with last login and last action, and the audit of every user, role and country change —
made on the portal's pages, in the Django admin or with the add_user command."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from collection.audit.record import audit_record
from collection.models import AuditAction, AuditEntry, Invitation, Role
from tests import factories
from tests.browser import needs_chromium, shot

User = get_user_model()
ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
NEW_PASSWORD = "Tamarind-season-2031"
INVITEE = "somchai@nso.go.th"


def invite(client, email: str = INVITEE, role: str = "focal_point", countries=("THA",), name: str = "Somchai P."):
    return client.post("/people/invite/", {"email": email, "name": name, "role": role, "countries": list(countries)})


def link_in(message) -> str:
    """The path of the invitation or reset link in an e-mail (PORTAL_URL or the request's host before it)."""
    return re.search(r"https?://[^/\s]+(/\S+/)", message.body).group(1)


def set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def entries(action: AuditAction, user) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type="user", object_id=str(user.pk)))


@pytest.fixture
def admin(people) -> Client:
    """The admin's own test client, beside the `client` fixture of the person being invited or managed."""
    admin_client = Client()
    admin_client.force_login(people["admin"])
    return admin_client


@pytest.fixture
def invited(admin):
    """Somchai, invited as a focal point for Thailand by the admin; returns the link's path."""
    assert invite(admin).status_code == 302
    return link_in(mail.outbox[-1])


# Who may open which page


@pytest.mark.parametrize("url", ["/people/", "/people/invite/", "/people/{pk}/"])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("fp_tha", 404), ("fp_mys", 404), ("reviewer", 404), ("admin", 200)]
)
def test_people_pages_are_for_admins_only(as_role, people, url, method, role, expected):
    url = url.format(pk=people["fp_tha"].pk)
    response = getattr(as_role(role), method)(url)
    if role == "admin" and method == "post" and url == "/people/":
        expected = 405  # the list only reads
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("action", ["deactivate", "activate", "resend"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("fp_tha", 404), ("fp_mys", 404), ("reviewer", 404), ("admin", 302)]
)
def test_people_actions_are_posted_by_admins_only(as_role, people, action, role, expected):
    target = people["fp_mys"]
    url = f"/people/{target.pk}/{action}/"
    response = as_role(role).post(url)
    assert response.status_code == expected
    target.refresh_from_db()
    assert target.is_active is not (role == "admin" and action == "deactivate")
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"
    else:
        assert as_role(role).get(url).status_code == (405 if role == "admin" else 404)


def test_an_unknown_action_or_person_is_a_404(as_role, people):
    client = as_role("admin")
    assert client.post(f"/people/{people['fp_tha'].pk}/delete/").status_code == 404
    assert client.post("/people/999999/deactivate/").status_code == 404
    assert client.get("/people/999999/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("uidb64", "token"),
    [("MQ", "abc-123"), ("!!!", "x"), ("zzzzzzzzzzzzzzzzzzzzzzzz", "1-2-3"), ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "c")],
)
def test_a_forged_invitation_link_says_it_is_not_valid_to_everyone(as_role, role, uidb64, token):
    for response in (
        as_role(role).get(f"/invitation/{uidb64}/{token}/"),
        as_role(role).post(f"/invitation/{uidb64}/{token}/"),
    ):
        assert response.status_code == 404
        assert "This link is no longer valid" in response.text


# Inviting


def test_an_invitation_is_e_mailed_with_a_link_that_opens_the_password_form(as_role, invited, settings):
    user = User.objects.get(username=INVITEE)
    assert user.email == INVITEE and user.first_name == "Somchai P." and user.is_active
    assert not user.has_usable_password()
    assert list(user.profile.countries.values_list("iso3", flat=True)) == ["THA"]
    invitation = Invitation.objects.get(user=user)
    assert invitation.invited_by.username == "admin"
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=settings.INVITATION_TIMEOUT_DAYS)
    message = mail.outbox[-1]
    assert message.to == [INVITEE]
    assert message.subject == "You are invited to the ILMS Portal as a focal point for Thailand"
    assert "as a focal point for Thailand." in message.body
    assert f"{settings.PORTAL_URL}{invited}" in message.body
    page = as_role("anonymous").get(invited)
    assert page.status_code == 200
    assert "Choose a password for your account" in page.text and INVITEE in page.text


def test_setting_the_password_through_the_link_signs_in_and_the_link_then_dies(client, invited):
    response = set_password(client, invited)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username=INVITEE)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(user=user).accepted_at is not None
    assert "Welcome to the ILMS Portal, Somchai P.!" in client.get("/").text

    client.logout()
    again = client.get(invited)
    assert again.status_code == 404 and "This link is no longer valid" in again.text
    assert set_password(client, invited, "Another-passphrase-77").status_code == 404
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.login(username=INVITEE, password=NEW_PASSWORD)


def test_a_weak_password_is_refused_and_the_invitation_stays_open(client, invited):
    response = set_password(client, invited, "password")
    assert response.status_code == 200 and "too common" in response.text
    assert not User.objects.get(username=INVITEE).has_usable_password()
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_invitation_says_when_it_expired_and_sets_nothing(client, invited, settings):
    invitation = Invitation.objects.get()
    with time_machine.travel(invitation.expires_at + dt.timedelta(minutes=1)):
        page = client.get(invited)
        assert page.status_code == 410
        assert "This invitation has expired" in page.text
        assert f"expired on\n    <strong>{invitation.expires_at:%-d %B %Y}</strong>" in page.text
        assert "ask" in page.text.lower() and "ILO" in page.text
        assert set_password(client, invited).status_code == 410
    user = User.objects.get(username=INVITEE)
    assert not user.has_usable_password() and "_auth_user_id" not in client.session
    assert Invitation.objects.get().accepted_at is None
    with time_machine.travel(invitation.expires_at - dt.timedelta(minutes=1)):
        assert client.get(invited).status_code == 200  # the day before, it still worked


def test_resending_sends_a_new_link_and_retires_the_old_one(admin, client, invited):
    user = User.objects.get(username=INVITEE)
    first = Invitation.objects.get()
    with time_machine.travel(first.expires_at + dt.timedelta(days=1)):  # the first one has expired by now
        response = admin.post(f"/people/{user.pk}/resend/", follow=True)
        assert "A new invitation was sent" in response.text
        assert Invitation.objects.filter(user=user).count() == 2
        new_link = link_in(mail.outbox[-1])
        assert new_link != invited
        assert client.get(invited).status_code == 404  # superseded, no longer merely expired
        assert set_password(client, new_link).status_code == 302
    assert Invitation.objects.filter(user=user, accepted_at__isnull=False).count() == 1
    assert [e.detail["resent"] for e in reversed(entries(AuditAction.USER_INVITED, user))] == [False, True]


def test_resending_to_someone_with_a_password_is_refused(admin, people):
    response = admin.post(f"/people/{people['fp_tha'].pk}/resend/", follow=True)
    assert "has already set a password" in response.text
    assert not mail.outbox and not Invitation.objects.exists()


def test_inviting_a_pending_address_again_offers_to_resend(admin, invited):
    response = invite(admin, email=INVITEE.upper())
    assert response.status_code == 200
    assert "Someone already has an account with somchai@nso.go.th" in response.text
    assert "invitation pending" in response.text and "Send a new invitation" in response.text
    assert User.objects.filter(email__iexact=INVITEE).count() == 1 and len(mail.outbox) == 1


def test_inviting_the_address_of_an_active_user_says_so(admin, people):
    people["fp_mys"].email = "fp@dosm.gov.my"
    people["fp_mys"].save()
    response = invite(admin, email="FP@dosm.gov.my", countries=["MYS"])
    assert "already has an account" in response.text and "Send a new invitation" not in response.text
    assert not mail.outbox


def test_a_focal_point_needs_a_country_and_staff_get_none(admin, catalogue):
    response = invite(admin, countries=[])
    assert "Choose at least one country for a focal point." in response.text
    assert not User.objects.filter(username=INVITEE).exists() and not mail.outbox
    assert invite(admin, email="analyst@ilo.org", role="reviewer", countries=["THA"]).status_code == 302
    reviewer = User.objects.get(username="analyst@ilo.org")
    assert reviewer.profile.role == Role.REVIEWER and not reviewer.profile.countries.exists()


def test_a_country_can_have_several_focal_points(admin, people):
    invite(admin, countries=["THA", "MYS"])
    assert set(User.objects.filter(profile__countries="THA").values_list("username", flat=True)) == {"fp_tha", INVITEE}


# Password reset, deactivation


def test_password_reset_by_e_mail_end_to_end(client, people):
    user = people["fp_tha"]
    user.email = "fp@mol.go.th"
    user.save()
    response = client.post("/accounts/password_reset/", {"email": "FP@mol.go.th"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert "Check your e-mail" in client.get(response["Location"]).text
    message = mail.outbox[-1]
    assert message.to == ["fp@mol.go.th"] and message.subject == "Reset your ILMS Portal password"
    form = client.get(link_in(message), follow=True)  # Django swaps the token for a session and redirects
    assert "Choose a new password" in form.text and "fp_tha" in form.text
    done = set_password(client, form.redirect_chain[-1][0])
    assert done["Location"] == "/accounts/reset/done/"
    assert "Your password is changed" in client.get(done["Location"]).text
    assert client.login(username="fp_tha", password=NEW_PASSWORD)
    assert not client.login(username="fp_tha", password=factories.PASSWORD)
    entry = entries(AuditAction.USER_PASSWORD, user)[0]  # the latest; make_user set the first password
    assert entry.actor_id == user.pk and entry.ip == "127.0.0.1"
    assert "This link no longer works" in client.get(link_in(message), follow=True).text


def test_the_login_page_links_to_the_password_reset(client):
    page = client.get("/accounts/login/")
    assert 'href="/accounts/password_reset/"' in page.text and "Forgot your password?" in page.text


def test_a_deactivated_user_cannot_sign_in_and_is_signed_out(admin, client, people):
    fp = people["fp_tha"]
    client.force_login(fp)
    assert client.get("/submissions/").status_code == 200
    admin.post(f"/people/{fp.pk}/deactivate/")
    client.logout()
    fp.refresh_from_db()
    assert not fp.is_active
    response = client.post("/accounts/login/", {"username": "fp_tha", "password": factories.PASSWORD})
    assert response.status_code == 200 and "did not match" in response.text
    assert "_auth_user_id" not in client.session


def test_a_session_ends_when_its_user_is_deactivated(client, people):
    fp = people["fp_tha"]
    client.force_login(fp)
    User.objects.filter(pk=fp.pk).update(is_active=False)
    assert client.get("/submissions/").status_code == 302


def test_an_admin_cannot_deactivate_or_demote_themselves(admin, people):
    me = people["admin"]
    response = admin.post(f"/people/{me.pk}/deactivate/", follow=True)
    assert "You cannot deactivate or reactivate your own account." in response.text
    response = admin.post(f"/people/{me.pk}/", {"role": "reviewer"})
    assert "You cannot change your own role" in response.text
    me.refresh_from_db()
    assert me.is_active and me.profile.role == Role.ADMIN


def test_deactivate_and_reactivate(admin, people):
    fp = people["fp_mys"]
    assert "deactivated: they can no longer sign in" in admin.post(f"/people/{fp.pk}/deactivate/", follow=True).text
    assert "Reactivate" in admin.get(f"/people/{fp.pk}/").text
    assert "active again" in admin.post(f"/people/{fp.pk}/activate/", follow=True).text
    fp.refresh_from_db()
    assert fp.is_active
    assert [
        e.action
        for e in AuditEntry.objects.filter(object_id=str(fp.pk), action__in=["user.deactivated", "user.activated"])
    ] == ["user.activated", "user.deactivated"]


# The people list


def test_the_people_list_shows_last_login_and_last_action(admin, client, people, invited):
    fp = people["fp_tha"]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC), tick=False):
        assert client.login(username="fp_tha", password=factories.PASSWORD)
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, 30, tzinfo=dt.UTC), tick=False):
        audit_record(
            AuditAction.SUBMISSION_UPLOADED,
            actor=fp,
            object_type="submission",
            object_id=7,
            summary="Uploaded THA_2026.xlsx for ILMS 2026.",
        )
    page = admin.get("/people/").text
    row = re.search(rf'<tr>\s*<th scope="row"><a href="/people/{fp.pk}/">.*?</tr>', page, re.S).group(0)
    assert "2 Mar 2026 09:15" in row
    assert "3 Mar 2026 10:30" in row and "Uploaded THA_2026.xlsx for ILMS 2026." in row
    assert "<code>THA</code>" in row and "Focal point" in row and "Active" in row
    invitee = re.search(r'<th scope="row"><a href="/people/\d+/">Somchai P\.</a>.*?</tr>', page, re.S).group(0)
    assert "Pending" in invitee and "Never" in invitee and "Nothing yet" in invitee


def test_the_people_list_reads_everyone_in_a_fixed_number_of_queries(admin, people):
    admin.get("/people/")
    with CaptureQueriesContext(connection) as few:
        admin.get("/people/")
    for n in range(5):
        fp = factories.make_user(f"fp_{n}", "focal_point", ["VNM", "LAO"])
        audit_record(AuditAction.USER_ROLE, actor=fp, obj=fp, summary="x")
    with CaptureQueriesContext(connection) as many:
        admin.get("/people/")
    assert len(many) == len(few)


def test_the_people_list_filters_and_names_countries_without_a_focal_point(admin, people, invited):
    page = admin.get("/people/").text
    uncovered = page[page.index("Countries without an active focal point") : page.index('aria-label="Filter people"')]
    assert "Thailand" not in uncovered and "Malaysia" not in uncovered
    assert "Viet Nam" in uncovered and "nobody" in uncovered and "/people/invite/?country=VNM" in uncovered
    assert 'value="VNM" id="id_countries_9" checked' in admin.get("/people/invite/?country=VNM").text
    thai = admin.get("/people/?role=focal_point&country=THA").text
    assert "fp_tha" in thai and "Somchai P." in thai and "fp_mys" not in thai and ">reviewer<" not in thai
    staff = admin.get("/people/?role=reviewer").text
    assert '">reviewer</a>' in staff and "fp_tha" not in staff
    admin.post(f"/people/{people['fp_tha'].pk}/deactivate/")
    page = admin.get("/people/").text
    uncovered = page[page.index("Countries without an active focal point") : page.index('aria-label="Filter people"')]
    assert "Thailand" in uncovered and "1 invitation pending" in uncovered
    assert "Nobody matches this filter" in admin.get("/people/?country=BRN").text


# The audit of user and role changes


def test_invitation_and_joining_are_audited_once_each(client, people, invited, django_capture_on_commit_callbacks):
    user = User.objects.get(username=INVITEE)
    with django_capture_on_commit_callbacks(execute=True):
        set_password(client, invited)
    audited = {e.action: e for e in AuditEntry.objects.filter(object_id=str(user.pk), object_type="user")}
    assert set(audited) == {"user.created", "user.role", "user.invited", "user.joined", "user.password"}
    assert audited["user.invited"].actor_name == "admin" and audited["user.invited"].country == "THA"
    assert audited["user.created"].actor_name == "admin"
    assert audited["user.joined"].actor_id == user.pk and audited["user.password"].actor_id == user.pk
    assert AuditEntry.objects.filter(object_id=str(user.pk), object_type="user").count() == 5


def test_role_and_country_changes_on_the_portal_are_audited_from_and_to(
    admin, people, django_capture_on_commit_callbacks
):
    fp = people["fp_mys"]
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/people/{fp.pk}/", {"role": "focal_point", "countries": ["MYS", "SGP"]})
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/people/{fp.pk}/", {"role": "focal_point", "countries": ["BRN"]})  # a swap: one entry
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/people/{fp.pk}/", {"role": "reviewer", "countries": ["BRN"]})
    assert response.status_code == 302
    countries = entries(AuditAction.USER_COUNTRIES, fp)
    assert [(e.detail["from"], e.detail["to"]) for e in reversed(countries)] == [
        (["MYS"], ["MYS", "SGP"]),
        (["MYS", "SGP"], ["BRN"]),
        (["BRN"], []),
    ]
    assert countries[0].summary == "Countries of fp_mys changed from BRN to none." and countries[0].country == "BRN"
    [role] = [e for e in entries(AuditAction.USER_ROLE, fp) if e.detail["from"] is not None]
    assert role.detail == {"from": "focal_point", "to": "reviewer"} and role.actor_name == "admin"
    assert role.summary == "Role of fp_mys changed from Focal point to ILO reviewer."


def test_saving_without_a_change_records_nothing(admin, people, django_capture_on_commit_callbacks):
    fp = people["fp_tha"]
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/people/{fp.pk}/", {"role": "focal_point", "countries": ["THA"]})
    assert AuditEntry.objects.count() == before


def test_changes_in_the_django_admin_are_audited(admin, people, django_capture_on_commit_callbacks):
    fp = people["fp_tha"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/collection/profile/{fp.profile.pk}/change/",
            {"user": fp.pk, "role": "reviewer", "countries": ["THA", "LAO"]},
        )
    assert response.status_code == 302
    [role] = [e for e in entries(AuditAction.USER_ROLE, fp) if e.detail["from"]]
    assert role.detail == {"from": "focal_point", "to": "reviewer"} and role.actor_name == "admin"
    [countries] = entries(AuditAction.USER_COUNTRIES, fp)
    assert countries.detail == {"from": ["THA"], "to": ["LAO", "THA"]} and countries.actor_name == "admin"

    response = admin.post(  # the user change form, with "active" unticked
        f"/admin/auth/user/{fp.pk}/change/",
        {
            "username": "fp_tha",
            "email": "",
            "first_name": "",
            "last_name": "",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302
    [deactivated] = entries(AuditAction.USER_DEACTIVATED, fp)
    assert deactivated.actor_name == "admin" and deactivated.ip == "127.0.0.1"

    response = admin.post(
        f"/admin/auth/user/{fp.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    password = entries(AuditAction.USER_PASSWORD, fp)[0]
    assert password.actor_name == "admin" and password.summary == "Password of fp_tha set."


def test_the_add_user_command_is_audited_as_system(catalogue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("add_user", "fp_vnm", role="focal_point", country=["VNM"], password=NEW_PASSWORD)
    user = User.objects.get(username="fp_vnm")
    actions = sorted(e.action for e in AuditEntry.objects.filter(object_id=str(user.pk), object_type="user"))
    assert actions == ["user.countries", "user.created", "user.password", "user.role"]
    assert {e.actor_name for e in AuditEntry.objects.filter(object_id=str(user.pk))} == {"system"}
    with django_capture_on_commit_callbacks(execute=True):
        call_command("add_user", "fp_vnm", role="admin", password="Changed-by-command-99")
    assert entries(AuditAction.USER_ROLE, user)[0].detail == {"from": "focal_point", "to": "admin"}
    assert entries(AuditAction.USER_COUNTRIES, user)[0].detail == {"from": ["VNM"], "to": []}
    assert entries(AuditAction.USER_PASSWORD, user)[0].actor_name == "system"


def test_signing_in_records_no_change(client, people):
    before = AuditEntry.objects.count()
    assert client.login(username="fp_tha", password=factories.PASSWORD)
    assert AuditEntry.objects.count() == before


# In a browser: the admin invites, the invitee accepts


@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_an_admin_invites_a_focal_point_who_sets_a_password_in_the_browser(page, live_server, catalogue):
    factories.make_user("admin", "admin")
    factories.make_user("fp_mys", "focal_point", ["MYS"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/people/invite/")
    page.fill("#id_email", INVITEE)
    page.fill("#id_name", "Somchai Prasert")
    page.select_option("#id_role", "focal_point")
    page.check("text=Thailand")
    shot(page, "people-invite")
    page.click("text=Send the invitation")
    page.wait_for_selector("text=Invitation sent to somchai@nso.go.th")
    shot(page, "people-list")
    link = link_in(mail.outbox[-1])
    page.click("text=Invite someone")
    page.fill("#id_email", INVITEE)
    page.click("text=Send the invitation")
    page.wait_for_selector("text=Choose at least one country for a focal point.")
    assert page.locator(".people-existing").count() == 0  # the form's own errors first
    page.check("text=Thailand")
    page.click("text=Send the invitation")
    page.wait_for_selector(".people-existing >> text=Send a new invitation")
    shot(page, "people-invite-existing")
    page.click("text=People")
    page.click("text=Somchai Prasert")
    page.wait_for_selector("text=Changes to this account")
    shot(page, "people-edit")

    page.click("text=Sign out")
    page.goto(f"{live_server.url}{link}")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    shot(page, "people-invitation")
    page.click("text=Set my password and sign in")
    page.wait_for_selector("text=Welcome to the ILMS Portal, Somchai Prasert!")
    page.goto(f"{live_server.url}{link}")
    assert page.locator("h1").inner_text() == "This link is no longer valid"
    shot(page, "people-invitation-used")
    somchai = get_user_model().objects.get(email=INVITEE)
    assert somchai.check_password(NEW_PASSWORD)  # the password typed in the browser is the one kept
    assert Invitation.objects.filter(user=somchai, accepted_at__isnull=False).count() == 1
