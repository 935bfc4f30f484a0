"""Running a consultation round over the API alone, through the services the round pages call: the
foundation's contract (issue 2: create with `status`, upload, validate, submit, approve, publish, read), the
lifecycle actions with their audit entries, the refusals that say why, and who may call them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token

from collection.models import AuditAction, AuditEntry, Observation, Round, RoundCountry, Submission
from collection.people.accounts import user_create_or_update
from collection.publication.publish import observations_publish
from collection.validation.run import submission_validate
from tests import factories

ROUND = {
    "name": "ILMS 2027",
    "reference_years": [2024, 2025],
    "countries": ["THA", "MYS"],
    "tables": factories.SMALL_TABLES,
    "deadline": "2028-01-31",
}


def round_audit(round_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="round", object_id=str(round_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def signed_in(api, user):
    """The API client with the user's token, as a script would call it."""
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_the_foundations_contract_create_open_upload_validate_submit_approve_publish_read(
    api, admin_user, reviewer, catalogue, django_capture_on_commit_callbacks
):
    """Issue 2, paragraph 12, exactly as written: admins create rounds with `name`, `reference_years`,
    `countries`, `tables`, `deadline`, `status`; a focal point uploads `round`, `country`, `file`."""
    focal_point = user_create_or_update(
        username="fp_tha", role="focal_point", countries=["THA"], email="fp@stat.go.th", password=factories.PASSWORD
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = signed_in(api, admin_user).post("/api/v1/rounds/", {**ROUND, "status": "open"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open" and body["opened_at"] and body["name"] == "ILMS 2027"
    round_ = Round.objects.get(pk=body["id"])
    assert round_.status == "open" and round_.opened_at is not None
    assert round_audit(round_.pk) == [AuditAction.ROUND_CREATED, AuditAction.ROUND_OPENED]
    assert AuditEntry.objects.get(action=AuditAction.ROUND_OPENED).actor == admin_user
    [opened_mail] = mail.outbox  # the page's Open button e-mails the focal points: so does the API
    assert opened_mail.to == ["fp@stat.go.th"] and "Round ILMS 2027 is open" in opened_mail.subject

    with django_capture_on_commit_callbacks(execute=False):  # the worker's part runs below, in this process
        uploaded = signed_in(api, focal_point).post(
            "/api/v1/submissions/",
            {"round": round_.pk, "country": "THA", "file": factories.named_file("tha.csv", factories.sample_csv())},
            format="multipart",
        )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["status"] == "received"
    submission_id = uploaded.json()["id"]
    submission_validate(submission_id=submission_id)
    detail = api.get(f"/api/v1/submissions/{submission_id}/").json()
    assert detail["status"] == "valid" and detail["error_count"] == 0
    assert detail["indicators"] == [
        {
            "indicator": "MST_FORP_SEX_CBR_NB",
            "title": "Foreign-born working-age population by sex and country of birth",
        },
        {"indicator": "MST_TPOP_SEX_AGE_CBR_NB", "title": "Working-age population by sex, age and place of birth"},
    ]
    factories.describe_sources(Submission.objects.get(pk=submission_id))
    assert api.post(f"/api/v1/submissions/{submission_id}/submit/").json()["status"] == "submitted"

    with django_capture_on_commit_callbacks(execute=False):
        approved = signed_in(api, reviewer).post(f"/api/v1/submissions/{submission_id}/approve/", {}, format="json")
    assert approved.json()["status"] == "approved"
    observations_publish(submission_id=submission_id)

    assert api.get(f"/api/v1/submissions/{submission_id}/").json()["status"] == "published"
    public = api.get("/api/v1/observations/", {"ref_area": "THA", "indicator": "MST_FORP_SEX_CBR_NB"}).json()
    assert public["count"] == Observation.objects.filter(indicator="MST_FORP_SEX_CBR_NB", is_current=True).count() > 0
    assert {row["submission"] for row in public["results"]} == {submission_id}


def test_an_admin_runs_a_round_from_creation_to_archive_over_the_api_alone(api, admin_user, catalogue):
    client = signed_in(api, admin_user)
    created = client.post("/api/v1/rounds/", ROUND, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    rid = created.json()["id"]

    def call(action: str, data: dict | None = None) -> dict:
        response = client.post(f"/api/v1/rounds/{rid}/{action}/", data or {}, format="json")
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert call("open")["status"] == "open"
    assert call("extend", {"deadline": "2028-02-29"})["deadline"] == "2028-02-29"
    terms = {t["country"]: t for t in call("extend", {"deadline": "2028-03-15", "country": "MYS"})["country_terms"]}
    assert terms["MYS"]["deadline"] == "2028-03-15" and terms["MYS"]["extended"]
    assert terms["THA"]["deadline"] == "2028-02-29" and not terms["THA"]["extended"]
    closed = call("close")
    assert closed["status"] == "closed" and closed["closed_at"]
    terms = {
        t["country"]: t for t in call("reopen_country", {"country": "THA", "deadline": "2028-04-30"})["country_terms"]
    }
    assert terms["THA"] == {
        "country": "THA",
        "name": "Thailand",
        "deadline": "2028-04-30",
        "extended": True,
        "reopened": True,
    }
    assert RoundCountry.objects.get(round_id=rid, country="THA").reopened
    assert not call("close_country", {"country": "THA"})["country_terms"][1]["reopened"]
    assert call("archive")["status"] == "archived"

    round_ = Round.objects.get(pk=rid)
    assert (round_.status, round_.deadline) == ("archived", dt.date(2028, 2, 29))
    assert round_.opened_at and round_.closed_at
    assert not RoundCountry.objects.filter(round=round_, reopened=True).exists()
    assert RoundCountry.objects.get(round=round_, country="MYS").deadline == dt.date(2028, 3, 15)
    A = AuditAction
    assert round_audit(rid) == [
        A.ROUND_CREATED,
        A.ROUND_OPENED,
        A.ROUND_EXTENDED,
        A.ROUND_EXTENDED,
        A.ROUND_CLOSED,
        A.ROUND_COUNTRY_REOPENED,
        A.ROUND_COUNTRY_REOPENED,
        A.ROUND_ARCHIVED,
    ]
    assert set(AuditEntry.objects.filter(object_type="round").values_list("actor", flat=True)) == {admin_user.pk}
    assert AuditEntry.objects.filter(action=A.ROUND_EXTENDED, country="MYS").count() == 1


def test_a_focal_point_uploads_only_while_the_api_has_the_round_open(api, admin_user, focal_point, catalogue):
    rid = signed_in(api, admin_user).post("/api/v1/rounds/", ROUND, format="json").json()["id"]

    def upload() -> tuple[int, dict]:
        response = signed_in(api, focal_point).post(
            "/api/v1/submissions/",
            {"round": rid, "country": "THA", "file": factories.named_file("tha.csv", factories.sample_csv())},
            format="multipart",
        )
        return response.status_code, response.json()

    assert upload() == (
        400,
        {"detail": "Round ILMS 2027 has not opened yet: it takes uploads from when the ILO opens it."},
    )
    signed_in(api, admin_user).post(f"/api/v1/rounds/{rid}/open/")
    assert upload()[0] == 201
    signed_in(api, admin_user).post(f"/api/v1/rounds/{rid}/close/")
    status, body = upload()
    assert status == 400 and body["detail"].startswith("Round ILMS 2027 closed on ")
    assert "reopen it for Thailand" in body["detail"]
    signed_in(api, admin_user).post(f"/api/v1/rounds/{rid}/reopen_country/", {"country": "THA"}, format="json")
    assert upload()[0] == 201
    assert Submission.objects.filter(round_id=rid).count() == 2


@pytest.mark.parametrize(
    ("status", "action", "data", "message"),
    [
        ("draft", "close", {}, "Round R is draft: only an open round can be closed."),
        ("draft", "reopen", {}, "Round R is draft: only a closed round can be reopened."),
        ("open", "open", {}, "Round R is open: only a draft round can be opened."),
        ("open", "archive", {}, "Round R is open: only a closed round can be archived."),
        ("archived", "extend", {"deadline": "2029-01-01"}, "Round R is archived; its deadline no longer changes."),
        (
            "open",
            "extend",
            {"deadline": "2027-01-30"},
            "The new deadline must be after the current one (31 January 2027).",
        ),
        ("open", "extend", {"deadline": "2029-01-01", "country": "VNM"}, "Viet Nam is not part of round R."),
        (
            "open",
            "reopen_country",
            {"country": "THA"},
            "Round R is open: only a closed round is reopened for one country.",
        ),
        ("closed", "close_country", {"country": "VNM"}, "Viet Nam is not part of round R."),
    ],
)
def test_a_move_the_round_does_not_allow_is_a_400_that_says_why(
    api, admin_user, catalogue, status, action, data, message
):
    round_ = factories.make_round(name="R", status=status)
    response = signed_in(api, admin_user).post(f"/api/v1/rounds/{round_.pk}/{action}/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": message}
    round_.refresh_from_db()
    assert round_.status == status and round_.deadline == dt.date(2027, 1, 31)
    assert round_audit(round_.pk) == []


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("extend", {}, "deadline"),
        ("extend", {"deadline": "soon"}, "deadline"),
        ("reopen_country", {"country": "XXX"}, "country"),
    ],
)
def test_a_malformed_action_payload_names_the_field(api, admin_user, catalogue, action, data, field):
    round_ = factories.make_round(status="closed")
    response = signed_in(api, admin_user).post(f"/api/v1/rounds/{round_.pk}/{action}/", data, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("action", ["open", "close", "reopen", "archive", "extend", "reopen_country", "close_country"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 403), ("fp_mys", 403), ("reviewer", 403)]
)
def test_only_admins_run_a_round_and_others_see_what_they_saw_before(api, people, catalogue, action, role, expected):
    draft = factories.make_round(name="Draft", status="draft")
    payload = {"deadline": "2029-01-01", "country": "THA"}
    if people[role]:
        signed_in(api, people[role])
    for round_ in (draft, factories.make_round(name="Closed", status="closed")):
        assert api.post(f"/api/v1/rounds/{round_.pk}/{action}/", payload, format="json").status_code == expected
    assert api.post(f"/api/v1/rounds/9999/{action}/", payload, format="json").status_code == expected
    assert set(Round.objects.values_list("status", flat=True)) == {"draft", "closed"}
    assert not AuditEntry.objects.filter(object_type="round").exists()
    if people[role]:  # the draft stays unknown to everyone but admins
        assert api.get(f"/api/v1/rounds/{draft.pk}/").status_code == 404
        assert [r["name"] for r in api.get("/api/v1/rounds/").json()["results"]] == ["Closed"]


def test_an_unknown_round_is_a_404_for_an_admin(api, admin_user, catalogue):
    assert signed_in(api, admin_user).post("/api/v1/rounds/9999/open/").status_code == 404


# `status` in a create or a change: carried out through the lifecycle, or refused naming the actions


@pytest.mark.parametrize(("sent", "expected"), [(None, "draft"), ("draft", "draft"), ("open", "open")])
def test_a_round_is_created_as_a_draft_or_opened_as_its_status_says(api, admin_user, catalogue, sent, expected):
    payload = ROUND if sent is None else {**ROUND, "status": sent}
    response = signed_in(api, admin_user).post("/api/v1/rounds/", payload, format="json")
    assert response.status_code == 201 and response.json()["status"] == expected
    assert Round.objects.get().status == expected
    assert (AuditAction.ROUND_OPENED in round_audit(response.json()["id"])) == (expected == "open")


@pytest.mark.parametrize(
    ("sent", "calls"),
    [
        ("closed", "POST /api/v1/rounds/{id}/open/ and then POST /api/v1/rounds/{id}/close/"),
        (
            "archived",
            "POST /api/v1/rounds/{id}/open/ and then POST /api/v1/rounds/{id}/close/ and then "
            "POST /api/v1/rounds/{id}/archive/",
        ),
    ],
)
def test_a_round_is_not_created_closed_and_the_refusal_names_the_actions(api, admin_user, catalogue, sent, calls):
    response = signed_in(api, admin_user).post("/api/v1/rounds/", {**ROUND, "status": sent}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"A new round is created as a draft or open, not {sent}: create it, then call {calls}."
    }
    assert not Round.objects.exists() and not AuditEntry.objects.filter(object_type="round").exists()


@pytest.mark.parametrize(
    ("before", "sent", "after", "recorded"),
    [
        ("draft", "open", "open", AuditAction.ROUND_OPENED),
        ("open", "closed", "closed", AuditAction.ROUND_CLOSED),
        ("closed", "open", "open", AuditAction.ROUND_REOPENED),
        ("closed", "archived", "archived", AuditAction.ROUND_ARCHIVED),
        ("open", "open", "open", None),
    ],
)
def test_a_status_one_action_away_is_reached_through_that_action(
    api, admin_user, catalogue, before, sent, after, recorded
):
    round_ = factories.make_round(status=before)
    response = signed_in(api, admin_user).patch(f"/api/v1/rounds/{round_.pk}/", {"status": sent}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == after
    round_.refresh_from_db()
    assert round_.status == after
    assert round_audit(round_.pk) == ([recorded] if recorded else [])


@pytest.mark.parametrize(
    ("before", "sent", "message"),
    [
        ("open", "draft", "Round R is open: a round that has opened never goes back to draft."),
        ("archived", "open", "Round R is archived and can no longer change."),
        (
            "draft",
            "closed",
            "Round R is draft: to make it closed, call POST /api/v1/rounds/{pk}/open/ and then "
            "POST /api/v1/rounds/{pk}/close/.",
        ),
    ],
)
def test_a_status_no_single_action_reaches_is_refused_and_nothing_changes(
    api, admin_user, catalogue, before, sent, message
):
    round_ = factories.make_round(name="R", status=before)
    response = signed_in(api, admin_user).put(
        f"/api/v1/rounds/{round_.pk}/", {**ROUND, "name": "R", "deadline": "2029-01-31", "status": sent}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": message.format(pk=round_.pk)}
    round_.refresh_from_db()
    assert (round_.status, round_.deadline) == (before, dt.date(2027, 1, 31))
    assert round_audit(round_.pk) == []


def test_an_unknown_status_is_refused_by_name(api, admin_user, open_round):
    response = signed_in(api, admin_user).patch(f"/api/v1/rounds/{open_round.pk}/", {"status": "paused"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    open_round.refresh_from_db()
    assert open_round.status == "open"


def test_a_change_and_a_move_together_are_one_step(api, admin_user, open_round):
    """The terms change and the round closes in one call, each with its audit entry, in that order."""
    response = signed_in(api, admin_user).patch(
        f"/api/v1/rounds/{open_round.pk}/", {"deadline": "2027-02-28", "status": "closed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed" and response.json()["deadline"] == "2027-02-28"
    assert round_audit(open_round.pk) == [AuditAction.ROUND_CHANGED, AuditAction.ROUND_CLOSED]


def test_a_focal_point_sees_the_terms_of_their_own_country_only(api, focal_point, open_round, admin_user):
    signed_in(api, admin_user).post(
        f"/api/v1/rounds/{open_round.pk}/extend/", {"deadline": "2027-03-01", "country": "MYS"}, format="json"
    )
    mine = signed_in(api, focal_point).get(f"/api/v1/rounds/{open_round.pk}/").json()["country_terms"]
    assert [t["country"] for t in mine] == ["THA"] and mine[0]["deadline"] == "2027-01-31"
