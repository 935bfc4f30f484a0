"""The access funnel itself: the questions every view, endpoint and service asks (`may_upload`, `may_comment`,
`submission_rights`), the service guard `require_admin`, and the two page guards."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from collection import access
from collection.lib.errors import NotAllowed
from collection.models import Country, Submission

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]


def user_of(people: dict, role: str):
    return people[role] or AnonymousUser()


@pytest.mark.parametrize(
    ("role", "tha", "mys", "anywhere"),
    [
        ("anonymous", False, False, False),
        ("fp_tha", True, False, True),
        ("fp_mys", False, True, True),
        ("reviewer", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_may_upload_is_a_focal_points_own_country_or_an_admins_any(people, role, tha, mys, anywhere):
    user = user_of(people, role)
    assert access.may_upload(user, "THA") is tha
    assert access.may_upload(user, Country.objects.get(iso3="MYS")) is mys
    assert access.may_upload_any(user) is anywhere


def test_a_deactivated_focal_point_may_upload_nowhere(people):
    focal_point = people["fp_tha"]
    focal_point.is_active = False
    focal_point.save()
    assert not access.may_upload(focal_point, "THA") and not access.may_upload_any(focal_point)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", False), ("fp_tha", True), ("fp_mys", False), ("reviewer", True), ("admin", True)],
)
def test_may_comment_is_the_ilo_and_the_countrys_focal_points(people, tha_valid, role, expected):
    assert access.may_comment(user_of(people, role), tha_valid) is expected


def test_a_valid_submission_offers_its_focal_point_submit_explain_and_sources(people, tha_valid):
    rights = access.submission_rights(people["fp_tha"], tha_valid)
    assert rights == access.SubmissionRights(
        can_upload=True,
        upload_again=False,
        can_explain=True,
        can_submit=True,
        can_review=False,
        is_reviewer=False,
        can_comment=True,
        can_describe_sources=True,
    )


def test_another_countrys_focal_point_may_do_nothing_on_the_page(people, tha_valid):
    rights = access.submission_rights(people["fp_mys"], tha_valid)
    assert not any(vars(rights).values())


def test_a_submitted_one_is_for_the_reviewer_to_decide_and_no_longer_the_focal_points(people, tha_submitted):
    reviewer = access.submission_rights(people["reviewer"], tha_submitted)
    assert reviewer.can_review and reviewer.is_reviewer and reviewer.can_comment
    assert not (reviewer.can_upload or reviewer.can_submit or reviewer.can_explain or reviewer.can_describe_sources)
    focal_point = access.submission_rights(people["fp_tha"], tha_submitted)
    assert focal_point.can_upload and focal_point.can_comment
    assert not (focal_point.can_submit or focal_point.can_explain or focal_point.can_describe_sources)
    assert not focal_point.can_review and not focal_point.upload_again


@pytest.mark.parametrize("status", [Submission.Status.INVALID, Submission.Status.RETURNED])
def test_an_invalid_or_returned_file_is_uploaded_again_by_its_country(people, tha_valid, status):
    tha_valid.status = status  # the matrix reads the status; how it got there is the machine's business
    assert access.submission_rights(people["fp_tha"], tha_valid).upload_again
    assert access.submission_rights(people["admin"], tha_valid).upload_again
    assert not access.submission_rights(people["reviewer"], tha_valid).upload_again


@pytest.mark.parametrize("role", ["fp_tha", "reviewer"])
def test_require_admin_refuses_anyone_else_in_the_services_words(people, role):
    with pytest.raises(NotAllowed, match="^Only admins run this.$"):
        access.require_admin(people[role], "Only admins run this.")


def test_require_admin_lets_an_admin_through(people):
    assert access.require_admin(people["admin"], "Only admins run this.") is None


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("inside")


@pytest.mark.parametrize(
    ("guard", "role", "expected"),
    [
        (access.staff_required, "reviewer", 200),
        (access.staff_required, "admin", 200),
        (access.staff_required, "fp_tha", 404),
        (access.admin_required, "admin", 200),
        (access.admin_required, "reviewer", 404),
        (access.admin_required, "fp_tha", 404),
    ],
)
def test_page_guards_let_in_their_people_and_give_anyone_else_a_404(people, guard, role, expected):
    request = RequestFactory().get("/somewhere/")
    request.user = people[role]
    view = guard("Not for you.")(page)
    if expected == 200:
        assert view(request).content == b"inside"
    else:
        with pytest.raises(Http404, match="^Not for you.$"):
            view(request)


@pytest.mark.parametrize("guard", [access.staff_required, access.admin_required])
def test_page_guards_send_anonymous_visitors_to_sign_in(db, guard):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = guard()(page)(request)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/somewhere/")


def test_page_guard_without_words_gives_a_bare_404(people):
    request = RequestFactory().get("/somewhere/")
    request.user = people["fp_tha"]
    with pytest.raises(Http404) as raised:
        access.admin_required()(page)(request)
    assert raised.value.args == ()


@pytest.mark.parametrize("role", ["anonymous", "fp_tha"])
def test_require_staff_refuses_focal_points_and_visitors_in_the_services_words(people, role):
    user = people[role] if people[role] is not None else AnonymousUser()
    with pytest.raises(NotAllowed, match="^Only ILO reviewers can approve a submission.$"):
        access.require_staff(user, "Only ILO reviewers can approve a submission.")


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_require_staff_lets_ilo_staff_through(people, role):
    assert access.require_staff(people[role], "Only ILO staff.") is None
