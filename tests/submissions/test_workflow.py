"""The submission state machine: who may move a submission where, and that every move is atomic."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import IntegrityError, connection, connections

from collection.lib.errors import NotAllowed, PortalError, WrongState
from collection.models import Observation, Review, Round, Submission, SubmissionEvent
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_return, submission_submit
from tests import factories

S = Submission.Status


def test_upload_keeps_the_file_with_its_hash(focal_point, open_round):
    content = factories.sample_csv()
    submission = factories.upload(focal_point, open_round, content, name="thailand 2025.csv")
    assert submission.status == S.RECEIVED
    assert submission.sha256 == hashlib.sha256(content).hexdigest()
    assert submission.size == len(content)
    assert submission.file_format == "csv"
    with submission.file.open("rb") as fh:
        assert fh.read() == content
    assert submission.original_filename == "thailand 2025.csv"
    assert list(submission.events.values_list("from_status", "to_status")) == [("", "received")]


def test_xlsx_upload_is_recognised_by_its_content(focal_point, open_round):
    submission = factories.upload(focal_point, open_round, b"PK\x03\x04rest", name="data.csv")
    assert submission.file_format == "xlsx"


@pytest.mark.parametrize(
    "status, message",
    [
        (Round.Status.DRAFT, "has not opened yet"),
        (Round.Status.CLOSED, "uploads are no longer accepted"),
        (Round.Status.ARCHIVED, "is archived"),
    ],
)
def test_upload_refused_when_the_round_is_not_open(focal_point, catalogue, status, message):
    round_ = factories.make_round(status=status)
    with pytest.raises(PortalError, match=message):
        factories.upload(focal_point, round_, factories.sample_csv())
    assert not Submission.objects.exists()


def test_upload_refused_for_a_country_outside_the_round(catalogue):
    user = factories.make_user("fp_vnm", "focal_point", ["VNM"])
    round_ = factories.make_round(countries=("THA",))
    with pytest.raises(PortalError, match="not part of round"):
        factories.upload(user, round_, factories.sample_csv("VNM"), country="VNM")


def test_focal_point_cannot_upload_for_another_country(other_focal_point, open_round):
    with pytest.raises(NotAllowed):
        factories.upload(other_focal_point, open_round, factories.sample_csv())


def test_reviewer_cannot_upload(reviewer, open_round):
    with pytest.raises(NotAllowed):
        factories.upload(reviewer, open_round, factories.sample_csv())


def test_valid_submission_can_be_submitted_once(focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    assert submission.status == S.VALID
    submission_submit(user=focal_point, submission=submission)
    submission.refresh_from_db()
    assert submission.status == S.SUBMITTED and submission.submitted_at is not None
    with pytest.raises(WrongState):
        submission_submit(user=focal_point, submission=submission)


def test_invalid_submission_cannot_be_submitted(focal_point, open_round):
    submission = factories.validated(focal_point, open_round, b"not,a,valid\nfile,at,all\n")
    assert submission.status == S.INVALID
    with pytest.raises(WrongState, match="invalid"):
        submission_submit(user=focal_point, submission=submission)
    submission.refresh_from_db()
    assert submission.status == S.INVALID


def test_only_one_submission_per_country_awaits_review(focal_point, open_round):
    first = factories.validated(focal_point, open_round)
    second = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=first)
    with pytest.raises(WrongState, match="already awaiting review"):
        submission_submit(user=focal_point, submission=second)


def test_focal_point_never_approves(focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    with pytest.raises(NotAllowed):
        submission_approve(user=focal_point, submission=submission)
    submission.refresh_from_db()
    assert submission.status == S.SUBMITTED
    assert not Review.objects.exists()


def test_nobody_approves_what_was_not_submitted(focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    with pytest.raises(WrongState, match="valid; it cannot become approved"):
        submission_approve(user=reviewer, submission=submission)
    assert not Review.objects.exists()


def test_return_needs_a_comment_and_records_it(focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    with pytest.raises(PortalError, match="comment is required"):
        submission_return(user=reviewer, submission=submission, comment="  ")
    submission_return(user=reviewer, submission=submission, comment="Please check the 2024 totals.")
    submission.refresh_from_db()
    assert submission.status == S.RETURNED
    review = submission.reviews.get()
    assert (review.decision, review.comment, review.reviewer) == ("return", "Please check the 2024 totals.", reviewer)
    assert list(submission.events.values_list("to_status", flat=True)) == [
        "received",
        "validating",
        "valid",
        "submitted",
        "returned",
    ]


def test_returned_submission_cannot_be_approved(focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    submission_return(user=reviewer, submission=submission, comment="fix")
    with pytest.raises(WrongState):
        submission_approve(user=reviewer, submission=submission)


def test_the_database_refuses_an_unknown_status(focal_point, open_round):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    with pytest.raises(IntegrityError):
        Submission.objects.filter(pk=submission.pk).update(status="done")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_publish_once(catalogue):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewers = [factories.make_user(f"reviewer{i}", "reviewer") for i in range(2)]
    round_ = factories.make_round()
    submission = factories.validated(focal_point, round_)
    submission_submit(user=focal_point, submission=submission)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user) -> None:
        try:
            barrier.wait()
            submission_approve(user=user, submission=Submission.objects.get(pk=submission.pk))
            observations_publish(submission_id=submission.pk)
            outcomes.append("approved")
        except WrongState:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "refused"]
    submission.refresh_from_db()
    assert submission.status == S.PUBLISHED
    assert Review.objects.filter(submission=submission).count() == 1
    assert Observation.objects.count() == submission.observation_count
    assert SubmissionEvent.objects.filter(submission=submission, to_status="approved").count() == 1
    connection.close()
