"""The submission machine's table: every move's sources and target, what each refuses, and what it sends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery.signals import before_task_publish
from django.contrib.auth.base_user import AbstractBaseUser

from collection.lib.errors import PortalError, WrongState
from collection.lib.queue import PUBLISH_SUBMISSION, VALIDATE_SUBMISSION, queue_names
from collection.models import AuditAction, AuditEntry, Round, Submission, SubmissionEvent
from collection.rounds.lifecycle import MOVES as ROUND_MOVES
from collection.submissions.machine import MOVES, RECEIVE, submission_move
from ilms_portal.celery import app as celery_app
from tests import factories

S = Submission.Status

EXPECTED = {
    "validate": ({S.RECEIVED}, S.VALIDATING, AuditAction.SUBMISSION_STATUS, None),
    "pass": ({S.VALIDATING}, S.VALID, AuditAction.SUBMISSION_STATUS, None),
    "fail": ({S.VALIDATING}, S.INVALID, AuditAction.SUBMISSION_STATUS, None),
    "submit": ({S.VALID}, S.SUBMITTED, AuditAction.SUBMISSION_SUBMITTED, None),
    "approve": ({S.SUBMITTED}, S.APPROVED, AuditAction.SUBMISSION_APPROVED, PUBLISH_SUBMISSION),
    "return": ({S.SUBMITTED}, S.RETURNED, AuditAction.SUBMISSION_RETURNED, None),
    "publish": ({S.APPROVED}, S.PUBLISHED, AuditAction.SUBMISSION_PUBLISHED, None),
    "publication_failed": ({S.APPROVED}, S.SUBMITTED, AuditAction.SUBMISSION_STATUS, None),
}


def in_status(user: AbstractBaseUser, round_: Round, status: str) -> Submission:
    """A fixture: an uploaded submission put straight into `status` (the machine is what the tests check)."""
    submission = factories.upload(user, round_, factories.sample_csv())
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def sent_tasks() -> Iterator[list[tuple[str, tuple]]]:
    """The worker tasks sent while the test runs, by name and arguments, on a queue of the test's own that
    is emptied afterwards (no worker ever runs them)."""
    sent: list[tuple[str, tuple]] = []
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = f"machine-{uuid.uuid4().hex[:8]}"

    def record(sender: str, body: tuple, **kwargs: object) -> None:
        sent.append((sender, tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)
    with celery_app.connection_for_write() as connection:
        for queue in queue_names():
            connection.default_channel.queue_purge(queue)
    celery_app.conf.task_default_queue = previous


def test_the_table_names_every_move_with_its_sources_target_audit_and_follow_up() -> None:
    assert {name: (set(m.sources), m.target, m.audit, m.then) for name, m in MOVES.items()} == EXPECTED


def test_every_status_but_the_first_is_reached_by_a_move_and_the_first_by_the_upload() -> None:
    assert {m.target for m in MOVES.values()} | {RECEIVE.target} == set(S.values)
    assert RECEIVE.target == Submission._meta.get_field("status").default
    assert (RECEIVE.sources, RECEIVE.then) == (frozenset(), VALIDATE_SUBMISSION)


def test_both_machines_share_one_shape() -> None:
    assert type(next(iter(MOVES.values()))) is type(next(iter(ROUND_MOVES.values())))


@pytest.mark.parametrize("move", list(EXPECTED))
def test_each_move_goes_from_its_source_to_its_target_and_records_it(move, focal_point, open_round) -> None:
    (source,), target, audit, _ = EXPECTED[move]
    submission = in_status(focal_point, open_round, source)
    submission_move(submission=submission, move=move, actor=focal_point, detail={"comment": "why"})
    submission.refresh_from_db()
    assert submission.status == target
    event = SubmissionEvent.objects.filter(submission=submission).last()
    assert (event.from_status, event.to_status, event.actor) == (source, target, focal_point)
    entry = AuditEntry.objects.filter(action=audit).last()
    assert entry.detail == {"from": source, "to": target, "comment": "why"}


@pytest.mark.parametrize(
    "move, status",
    [(move, status) for move, (sources, *_) in EXPECTED.items() for status in S.values if status not in sources],
)
def test_each_move_refuses_every_other_status(move, status, focal_point, open_round) -> None:
    submission = in_status(focal_point, open_round, status)
    events = SubmissionEvent.objects.filter(submission=submission).count()
    target = EXPECTED[move][1]
    message = f"Submission #{submission.pk} is {S(status).label.lower()}; it cannot become {target.label.lower()}."
    with pytest.raises(WrongState) as refused:
        submission_move(submission=submission, move=move)
    assert refused.value.message == message
    submission.refresh_from_db()
    assert submission.status == status
    assert SubmissionEvent.objects.filter(submission=submission).count() == events


def test_an_unknown_move_is_refused(focal_point, open_round) -> None:
    submission = in_status(focal_point, open_round, S.VALID)
    with pytest.raises(PortalError, match="Unknown move 'accept'"):
        submission_move(submission=submission, move="accept")


def test_approve_sends_the_publication_once_it_commits(
    focal_point, open_round, sent_tasks, django_capture_on_commit_callbacks
) -> None:
    submission = in_status(focal_point, open_round, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        submission_move(submission=submission, move="approve")
        assert sent_tasks == []  # nothing before the commit
    assert sent_tasks == [(PUBLISH_SUBMISSION, (submission.pk,))]


def test_return_sends_nothing_to_the_worker(
    focal_point, open_round, sent_tasks, django_capture_on_commit_callbacks
) -> None:
    submission = in_status(focal_point, open_round, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        submission_move(submission=submission, move="return")
    assert sent_tasks == []


def test_an_upload_is_received_and_its_validation_sent(
    focal_point, open_round, sent_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submission = factories.upload(focal_point, open_round, factories.sample_csv())
    assert submission.status == S.RECEIVED
    assert list(submission.events.values_list("from_status", "to_status")) == [("", "received")]
    assert AuditEntry.objects.filter(action=AuditAction.SUBMISSION_UPLOADED).count() == 1
    assert sent_tasks == [(VALIDATE_SUBMISSION, (submission.pk,))]
