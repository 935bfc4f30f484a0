"""Who may open which web page: anonymous, the submission's focal point (THA), another country's focal point
(MYS), a reviewer and an admin. Another country's submission is a 404; signed-out users go to the login page."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from collection.models import DataSource, Review, Submission
from tests import factories

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
INDICATOR = "MST_FORP_SEX_CBR_NB"
PUBLIC_PAGES = ["/", "/data/", f"/data/{INDICATOR}/", f"/data/{INDICATOR}/THA/"]
# Pages of one submission, `{pk}` filled in by the test.
SUBMISSION_PAGES = [
    "/submissions/{pk}/",
    "/submissions/{pk}/status/",
    "/submissions/{pk}/file/",
    f"/submissions/{{pk}}/sources/{INDICATOR}/",
]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def links_to(page: str, submission: Submission) -> bool:
    return f'href="/submissions/{submission.pk}/"' in page


# Public pages and the login wall


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_are_readable_by_everyone(as_role, tha_valid, role, url):
    # A focal point's home page leads on to their country's page for the open round.
    assert as_role(role).get(url, follow=True).status_code == 200


@pytest.mark.parametrize("url", ["/submissions/", "/submissions/new/", "/review/", *SUBMISSION_PAGES])
def test_anonymous_is_sent_to_the_login_page(client, tha_valid, url):
    url = url.format(pk=tha_valid.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("action", ["submit", "approve", "return"])
def test_anonymous_posting_an_action_is_sent_to_the_login_page(client, tha_submitted, action):
    url = f"/submissions/{tha_submitted.pk}/{action}/"
    response = client.post(url, {"comment": "x"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    tha_submitted.refresh_from_db()
    assert tha_submitted.status == "submitted" and not Review.objects.exists()


# Submission pages


@pytest.mark.parametrize("url", SUBMISSION_PAGES)
@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 200), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)])
def test_submission_pages_are_for_its_country_and_the_ilo(as_role, tha_valid, url, role, expected):
    response = as_role(role).get(url.format(pk=tha_valid.pk))
    assert response.status_code == expected


def test_focal_point_gets_404_for_other_country_file_and_it_is_not_sent(as_role, tha_valid):
    response = as_role("fp_mys").get(f"/submissions/{tha_valid.pk}/file/")
    assert response.status_code == 404
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(
    ("role", "sees_tha"), [("fp_tha", True), ("fp_mys", False), ("reviewer", True), ("admin", True)]
)
def test_submission_list_page_holds_only_the_users_countries(as_role, tha_valid, role, sees_tha):
    response = as_role(role).get("/submissions/")
    assert response.status_code == 200
    assert links_to(response.content.decode(), tha_valid) == sees_tha


@pytest.mark.parametrize(
    ("role", "sees_tha"), [("fp_tha", True), ("fp_mys", False), ("reviewer", True), ("admin", True)]
)
def test_home_page_links_only_to_the_users_countries_submissions(as_role, tha_submitted, role, sees_tha):
    response = as_role(role).get("/", follow=True)
    assert response.status_code == 200
    assert links_to(response.content.decode(), tha_submitted) == sees_tha


def test_anonymous_home_page_links_to_no_submission(client, tha_submitted):
    assert not links_to(client.get("/").content.decode(), tha_submitted)


# Upload page


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 200), ("fp_mys", 200), ("reviewer", 404), ("admin", 200)])
def test_upload_page_is_for_focal_points_and_admins(as_role, open_round, role, expected):
    assert as_role(role).get("/submissions/new/").status_code == expected


def test_reviewer_cannot_post_an_upload(as_role, open_round):
    response = as_role("reviewer").post(
        "/submissions/new/",
        {"round": open_round.pk, "country": "THA", "file": SimpleUploadedFile("t.csv", factories.sample_csv())},
    )
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_focal_point_cannot_upload_for_another_country_through_the_form(as_role, open_round):
    response = as_role("fp_mys").post(
        "/submissions/new/",
        {"round": open_round.pk, "country": "THA", "file": SimpleUploadedFile("t.csv", factories.sample_csv())},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("role", ["fp_tha", "admin"])
def test_focal_point_and_admin_upload_for_thailand_through_the_form(as_role, people, open_round, role):
    response = as_role(role).post(
        "/submissions/new/",
        {"round": open_round.pk, "country": "THA", "file": SimpleUploadedFile("t.csv", factories.sample_csv())},
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submissions/{submission.pk}/"
    assert submission.country_id == "THA" and submission.uploaded_by == people[role]


# Review queue


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)])
def test_review_queue_is_for_reviewers_and_admins(as_role, tha_submitted, role, expected):
    response = as_role(role).get("/review/")
    assert response.status_code == expected
    if expected == 200:
        assert links_to(response.content.decode(), tha_submitted)


# Submit, approve, return (POST)


@pytest.mark.parametrize(
    ("role", "expected", "status_after"),
    [("fp_tha", 302, "submitted"), ("fp_mys", 404, "valid"), ("reviewer", 302, "valid"), ("admin", 302, "submitted")],
)
def test_only_the_countrys_focal_point_or_an_admin_submits(as_role, tha_valid, role, expected, status_after):
    response = as_role(role).post(f"/submissions/{tha_valid.pk}/submit/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/submissions/{tha_valid.pk}/"
    tha_valid.refresh_from_db()
    assert tha_valid.status == status_after
    if role == "reviewer":
        assert messages_of(response) == ["Only a focal point of this country can submit it."]


@pytest.mark.parametrize("action", ["approve", "return"])
@pytest.mark.parametrize(("role", "expected"), [("fp_mys", 404), ("fp_tha", 302)])
def test_focal_points_never_decide(as_role, tha_submitted, action, role, expected):
    response = as_role(role).post(f"/submissions/{tha_submitted.pk}/{action}/", {"comment": "Looks fine to me."})
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/submissions/{tha_submitted.pk}/"
        assert messages_of(response) == [f"Only ILO reviewers can {action} a submission."]
    tha_submitted.refresh_from_db()
    assert tha_submitted.status == "submitted"
    assert not Review.objects.exists()


@pytest.mark.parametrize(("action", "status_after"), [("approve", "approved"), ("return", "returned")])
@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_reviewers_and_admins_decide(as_role, people, tha_submitted, action, status_after, role):
    response = as_role(role).post(f"/submissions/{tha_submitted.pk}/{action}/", {"comment": "Checked 2024."})
    assert response.status_code == 302 and response["Location"] == f"/submissions/{tha_submitted.pk}/"
    tha_submitted.refresh_from_db()
    assert tha_submitted.status == status_after
    review = Review.objects.get(submission=tha_submitted)
    assert (review.decision, review.comment, review.reviewer) == (action, "Checked 2024.", people[role])


def test_an_unknown_action_is_a_404(as_role, tha_valid):
    response = as_role("fp_tha").post(f"/submissions/{tha_valid.pk}/delete/")
    assert response.status_code == 404
    assert Submission.objects.filter(pk=tha_valid.pk, status="valid").exists()


def test_actions_refuse_get(as_role, tha_valid):
    assert as_role("fp_tha").get(f"/submissions/{tha_valid.pk}/submit/").status_code == 405
    tha_valid.refresh_from_db()
    assert tha_valid.status == "valid"


# Source metadata page (POST)


@pytest.mark.parametrize(("role", "expected"), [("fp_tha", 302), ("fp_mys", 404), ("reviewer", 200), ("admin", 302)])
def test_only_the_countrys_focal_point_or_an_admin_saves_sources(as_role, tha_valid, role, expected):
    tha_valid.sources.all().delete()
    response = as_role(role).post(
        f"/submissions/{tha_valid.pk}/sources/{INDICATOR}/", {"source_type": "BA", "name": "Labour Force Survey 2024"}
    )
    assert response.status_code == expected
    saved = DataSource.objects.filter(submission=tha_valid, indicator=INDICATOR).exists()
    assert saved == (expected == 302)
    if role == "reviewer":
        assert "Only a focal point of this country can describe its sources." in response.content.decode()
