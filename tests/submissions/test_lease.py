"""Leases and the sweeper's choice, in this process: one claim wins, a dead lease is taken over and counted,
a message for held work does nothing, and waiting work is re-sent in upload, then approval, order."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess

import pytest
from django.utils import timezone

from collection.lib.queue import PUBLISH_SUBMISSION, VALIDATE_SUBMISSION
from collection.models import Lease, Submission
from collection.review.decisions import submission_approve
from collection.submissions.lease import Heartbeat, lease_claim, lease_release, work_waiting
from collection.validation.run import submission_validate
from tests import factories

S = Submission.Status
LONG_AGO = dt.timedelta(hours=1)


def received(user, round_) -> Submission:
    return factories.upload(user, round_, factories.sample_csv())


def died(submission: Submission, holder: str = "gone:1:task:x") -> None:
    """The lease as a worker killed mid-work leaves it: held, and not renewed for an hour."""
    Lease.objects.filter(pk=submission.pk).update(holder=holder, renewed_at=timezone.now() - LONG_AGO)


@pytest.mark.django_db
def test_one_claim_wins_until_the_holder_releases_it(focal_point, open_round):
    submission = received(focal_point, open_round)
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="a")
    assert not lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="b")
    lease_release(submission_id=submission.pk, holder="b")  # not b's to release
    assert Lease.objects.get(pk=submission.pk).holder == "a"
    lease_release(submission_id=submission.pk, holder="a")
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="b")
    lease = Lease.objects.get(pk=submission.pk)
    assert (lease.holder, lease.takeovers) == ("b", 0)


@pytest.mark.django_db
def test_a_lease_not_renewed_is_taken_over_and_counted_per_piece_of_work(focal_point, open_round):
    submission = received(focal_point, open_round)
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="a")
    died(submission, "a")
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="b")
    assert Lease.objects.get(pk=submission.pk).takeovers == 1
    died(submission, "b")
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.PUBLICATION, holder="c")
    lease = Lease.objects.get(pk=submission.pk)
    assert (lease.holder, lease.work, lease.takeovers) == ("c", Lease.Work.PUBLICATION, 0)


@pytest.mark.django_db
def test_a_message_for_work_another_worker_holds_is_dropped(focal_point, open_round):
    submission = received(focal_point, open_round)
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="busy:1:t:x")
    assert submission_validate(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == S.RECEIVED and not submission.events.filter(to_status=S.VALIDATING).exists()
    assert Lease.objects.get(pk=submission.pk).holder == "busy:1:t:x"


@pytest.mark.django_db
def test_the_work_is_released_when_it_ends(focal_point, open_round):
    submission = received(focal_point, open_round)
    assert submission_validate(submission_id=submission.pk).status == S.VALID
    lease = Lease.objects.get(pk=submission.pk)
    assert lease.holder == "" and lease.work == Lease.Work.VALIDATION and lease.takeovers == 0


@pytest.mark.django_db
def test_a_validation_whose_worker_died_twice_ends_invalid_with_a_sentence(focal_point, open_round, settings):
    settings.LEASE_TAKEOVER_LIMIT = 2
    submission = received(focal_point, open_round)
    lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="first")
    died(submission, "first")
    lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="second")
    died(submission, "second")
    validated = submission_validate(submission_id=submission.pk)
    assert validated.status == S.INVALID
    [issue] = validated.issues.all()
    assert issue.rule == "file.worker_lost"
    assert issue.message.startswith("The portal's worker stopped 2 times while checking this file")


@pytest.mark.django_db
def test_the_sweeper_sends_waiting_work_nobody_holds_in_upload_then_approval_order(
    focal_point, other_focal_point, reviewer, open_round
):
    first = factories.submit(focal_point, factories.validated(focal_point, open_round))
    mys = factories.validated(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")
    second = factories.submit(other_focal_point, mys)
    submission_approve(user=reviewer, submission=second)  # approved first: published first
    submission_approve(user=reviewer, submission=first)
    waiting, held, fresh = (received(focal_point, open_round) for _ in range(3))
    Submission.objects.exclude(pk=fresh.pk).update(status_changed_at=timezone.now() - LONG_AGO)
    lease_claim(submission_id=held.pk, work=Lease.Work.VALIDATION, holder="alive")
    Lease.objects.filter(pk=held.pk).update(claimed_at=timezone.now() - LONG_AGO)  # long-running, still renewed

    assert work_waiting(delay=60) == [
        (VALIDATE_SUBMISSION, waiting.pk),
        (PUBLISH_SUBMISSION, second.pk),
        (PUBLISH_SUBMISSION, first.pk),
    ]
    died(held)
    assert (VALIDATE_SUBMISSION, held.pk) in work_waiting(delay=60)
    assert (VALIDATE_SUBMISSION, fresh.pk) in work_waiting(delay=0)  # a worker starting sends all at once


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_on_a_connection_of_its_own(focal_point, open_round, settings):
    settings.LEASE_HEARTBEAT = 0.05
    submission = received(focal_point, open_round)
    lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="long")
    claimed = Lease.objects.get(pk=submission.pk).renewed_at
    heartbeat = Heartbeat(submission.pk, "long")
    heartbeat.start()
    try:
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while Lease.objects.get(pk=submission.pk).renewed_at == claimed and timezone.now() < deadline:
            heartbeat.join(0.05)
    finally:
        heartbeat.stop()
        heartbeat.join(10)
    assert Lease.objects.get(pk=submission.pk).renewed_at > claimed and not heartbeat.is_alive()


@pytest.mark.django_db
def test_a_lease_of_a_process_gone_from_this_machine_is_taken_over_at_once(focal_point, open_round):
    submission = received(focal_point, open_round)
    gone = subprocess.Popen(["true"])
    gone.wait()
    holder = f"{socket.gethostname()}:{gone.pid}:task:x"
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder=holder)
    assert (VALIDATE_SUBMISSION, submission.pk) in work_waiting(delay=0)
    assert lease_claim(submission_id=submission.pk, work=Lease.Work.VALIDATION, holder="heir")
    assert Lease.objects.get(pk=submission.pk).takeovers == 1
