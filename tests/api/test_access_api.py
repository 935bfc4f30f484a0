"""Who may call which API endpoint: anonymous, the submission's focal point (THA), another country's focal point
(MYS), a reviewer and an admin. Another country's submission is a 404, never a 403."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from collection.models import DataSource, Review, Round, Submission
from tests import factories

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
SIGNED_IN = ROLES[1:]
INDICATOR = "MST_FORP_SEX_CBR_NB"


@pytest.fixture
def as_role(api, people):
    """`as_role("fp_mys")` gives the API client signed in as that person (or anonymous)."""

    def sign_in(role: str):
        if people[role] is not None:
            api.force_authenticate(people[role])
        return api

    return sign_in


@pytest.fixture
def mys_received(other_focal_point, open_round) -> Submission:
    return factories.upload(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")


@pytest.fixture
def rounds(open_round) -> dict[str, Round]:
    """An open round of THA and MYS, an open round of THA alone, and a draft round of both."""
    return {
        "both": open_round,
        "tha_only": factories.make_round(name="Thailand only", countries=("THA",)),
        "draft": factories.make_round(name="Draft round", status=Round.Status.DRAFT),
    }


# Public endpoints


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tables/",
        f"/api/v1/tables/{INDICATOR}/",
        "/api/v1/observations/",
        "/api/v1/observations/?format=csv",
        "/api/schema/",
        "/api/docs/",
    ],
)
def test_public_endpoints_are_readable_by_everyone(as_role, role, url):
    response = as_role(role).get(url)
    assert response.status_code == 200


# Rounds


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("fp_tha", {"both", "tha_only"}),
        ("fp_mys", {"both"}),
        ("reviewer", {"both", "tha_only"}),
        ("admin", {"both", "tha_only", "draft"}),
    ],
)
def test_round_list_shows_the_non_draft_rounds_of_the_users_countries(as_role, rounds, role, expected):
    response = as_role(role).get("/api/v1/rounds/")
    assert response.status_code == 200
    names = {r["name"] for r in response.json()["results"]}
    assert names == {rounds[key].name for key in expected}


def test_anonymous_cannot_list_rounds(as_role, rounds):
    assert as_role("anonymous").get("/api/v1/rounds/").status_code == 401


@pytest.mark.parametrize(
    ("role", "round_key", "expected"),
    [
        ("anonymous", "both", 401),
        ("fp_tha", "both", 200),
        ("fp_tha", "tha_only", 200),
        ("fp_tha", "draft", 404),
        ("fp_mys", "both", 200),
        ("fp_mys", "tha_only", 404),
        ("fp_mys", "draft", 404),
        ("reviewer", "tha_only", 200),
        ("reviewer", "draft", 404),
        ("admin", "tha_only", 200),
        ("admin", "draft", 200),
    ],
)
def test_round_detail_is_a_404_for_rounds_the_user_does_not_take_part_in(as_role, rounds, role, round_key, expected):
    response = as_role(role).get(f"/api/v1/rounds/{rounds[round_key].pk}/")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 403), ("fp_mys", 403), ("reviewer", 403)]
)
def test_only_admins_create_rounds(as_role, catalogue, role, expected):
    response = as_role(role).post(
        "/api/v1/rounds/",
        {
            "name": "ILMS 2027",
            "reference_years": [2026],
            "countries": ["THA"],
            "tables": [INDICATOR],
            "deadline": "2028-01-31",
            "status": "open",
        },
        format="json",
    )
    assert response.status_code == expected
    assert not Round.objects.filter(name="ILMS 2027").exists()


def test_admin_creates_a_round(as_role, catalogue):
    response = as_role("admin").post(
        "/api/v1/rounds/",
        {
            "name": "ILMS 2027",
            "reference_years": [2026],
            "countries": ["THA"],
            "tables": [INDICATOR],
            "deadline": "2028-01-31",
            "status": "open",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Round.objects.filter(name="ILMS 2027").exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 403), ("fp_mys", 403), ("reviewer", 403), ("admin", 200)]
)
def test_only_admins_edit_rounds(as_role, open_round, role, expected):
    response = as_role(role).patch(f"/api/v1/rounds/{open_round.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == expected
    open_round.refresh_from_db()
    assert open_round.name == ("Renamed" if expected == 200 else "ILMS test round")


# Submissions: list and detail


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("fp_tha", {"THA"}),
        ("fp_mys", {"MYS"}),
        ("reviewer", {"THA", "MYS"}),
        ("admin", {"THA", "MYS"}),
    ],
)
def test_submission_list_holds_only_the_users_countries(as_role, tha_valid, mys_received, role, expected):
    response = as_role(role).get("/api/v1/submissions/")
    assert response.status_code == 200
    assert {s["country"] for s in response.json()["results"]} == expected


def test_focal_point_filtering_on_another_country_gets_an_empty_list(as_role, tha_valid):
    response = as_role("fp_mys").get("/api/v1/submissions/?country=THA")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_anonymous_cannot_list_submissions(as_role, tha_valid):
    assert as_role("anonymous").get("/api/v1/submissions/").status_code == 401


@pytest.mark.parametrize("suffix", ["", "issues/", "sources/"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 200), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)]
)
def test_submission_and_its_report_are_readable_by_its_country_and_the_ilo(as_role, tha_valid, suffix, role, expected):
    response = as_role(role).get(f"/api/v1/submissions/{tha_valid.pk}/{suffix}")
    assert response.status_code == expected


def test_focal_point_gets_404_for_other_country_submission_exactly_as_for_a_missing_one(as_role, tha_valid):
    client = as_role("fp_mys")
    hidden = client.get(f"/api/v1/submissions/{tha_valid.pk}/")
    missing = client.get(f"/api/v1/submissions/{tha_valid.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize(
    ("role", "expected"), [("fp_tha", 200), ("fp_mys", 404), ("reviewer", 200), ("anonymous", 401)]
)
def test_token_authentication_follows_the_same_country_rule(api, people, tha_valid, role, expected):
    if people[role] is not None:
        token = Token.objects.create(user=people[role])
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/v1/submissions/{tha_valid.pk}/").status_code == expected


def test_an_unknown_token_is_a_401(api, tha_valid):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(f"/api/v1/submissions/{tha_valid.pk}/").status_code == 401


# Upload


@pytest.mark.parametrize(
    ("role", "country", "expected"),
    [
        ("anonymous", "THA", 401),
        ("fp_tha", "THA", 201),
        ("fp_tha", "MYS", 403),
        ("fp_mys", "THA", 403),
        ("fp_mys", "MYS", 201),
        ("reviewer", "THA", 403),
        ("admin", "THA", 201),
        ("admin", "MYS", 201),
    ],
)
def test_focal_points_upload_only_for_their_countries_and_admins_for_any(
    as_role, people, open_round, role, country, expected
):
    response = as_role(role).post(
        "/api/v1/submissions/",
        {
            "round": open_round.pk,
            "country": country,
            "file": factories.named_file("t.csv", factories.sample_csv(country)),
        },
        format="multipart",
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        submission = Submission.objects.get()
        assert submission.country_id == country and submission.uploaded_by == people[role]
    else:
        assert not Submission.objects.exists()


@pytest.mark.parametrize("round_key", ["tha_only", "tha_draft"])
def test_upload_to_a_round_the_focal_point_cannot_see_answers_as_for_a_missing_round(as_role, rounds, round_key):
    rounds["tha_draft"] = factories.make_round(name="Thai draft", countries=("THA",), status=Round.Status.DRAFT)
    client = as_role("fp_mys")
    hidden = client.post(
        "/api/v1/submissions/",
        {"round": rounds[round_key].pk, "country": "MYS", "file": factories.named_file("t.csv", b"x")},
        format="multipart",
    )
    assert hidden.status_code == 400
    assert rounds[round_key].name not in hidden.content.decode()
    assert "round" in hidden.json()
    assert not Submission.objects.exists()


def test_upload_to_a_draft_round_of_the_focal_points_country_says_it_has_not_opened(as_role, rounds):
    """Issue 10: a draft of the user's own country is refused with the round's reason, not as unknown."""
    response = as_role("fp_mys").post(
        "/api/v1/submissions/",
        {"round": rounds["draft"].pk, "country": "MYS", "file": factories.named_file("t.csv", b"x")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Round Draft round has not opened yet: it takes uploads from when the ILO opens it."
    }
    assert not Submission.objects.exists()


# Submit, approve, return


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 200), ("fp_mys", 404), ("reviewer", 403), ("admin", 200)]
)
def test_only_the_countrys_focal_point_or_an_admin_submits(as_role, tha_valid, role, expected):
    response = as_role(role).post(f"/api/v1/submissions/{tha_valid.pk}/submit/")
    assert response.status_code == expected
    tha_valid.refresh_from_db()
    assert tha_valid.status == ("submitted" if expected == 200 else "valid")


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 403), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)]
)
def test_only_reviewers_and_admins_approve(as_role, people, tha_submitted, role, expected):
    response = as_role(role).post(f"/api/v1/submissions/{tha_submitted.pk}/approve/", {"comment": "ok"}, format="json")
    assert response.status_code == expected
    tha_submitted.refresh_from_db()
    if expected == 200:
        assert tha_submitted.status == "approved"
        review = Review.objects.get(submission=tha_submitted)
        assert review.decision == "approve" and review.reviewer == people[role]
    else:
        assert tha_submitted.status == "submitted"
        assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 403), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)]
)
def test_only_reviewers_and_admins_return(as_role, people, tha_submitted, role, expected):
    response = as_role(role).post(
        f"/api/v1/submissions/{tha_submitted.pk}/return/", {"comment": "Please fix 2024."}, format="json"
    )
    assert response.status_code == expected
    tha_submitted.refresh_from_db()
    if expected == 200:
        assert tha_submitted.status == "returned"
        review = Review.objects.get(submission=tha_submitted)
        assert (review.decision, review.comment, review.reviewer) == ("return", "Please fix 2024.", people[role])
    else:
        assert tha_submitted.status == "submitted"
        assert not Review.objects.exists()


# Source metadata


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("fp_tha", 200), ("fp_mys", 404), ("reviewer", 403), ("admin", 200)]
)
def test_only_the_countrys_focal_point_or_an_admin_describes_sources(as_role, tha_valid, role, expected):
    tha_valid.sources.all().delete()
    response = as_role(role).post(
        f"/api/v1/submissions/{tha_valid.pk}/sources/",
        {"indicator": INDICATOR, "source_type": "BA", "name": "Labour Force Survey 2024"},
        format="json",
    )
    assert response.status_code == expected, response.content
    assert DataSource.objects.filter(submission=tha_valid, indicator=INDICATOR).exists() == (expected == 200)
