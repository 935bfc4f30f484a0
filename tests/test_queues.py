"""Queues that scale out: each kind of work (validation, publication, mail) on a queue of its own, so that each can
have workers of its own. With real processes: a Redis server of the test's own (port 6395, never the shared one),
the web server taking uploads and approvals over HTTP, and workers each given only some of the queues; and the same
routing on the machine's RabbitMQ when one answers (queues of the test's own name, deleted afterwards)."""

from __future__ import annotations

import email
import json
import re
import socket
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery.signals import before_task_publish
from django.conf import settings
from rest_framework.authtoken.models import Token

from collection.demo.seed import demo_describe_sources
from collection.lib.queue import (
    BUILD_ANNOTATED_COPY,
    BUILD_BULK_DOWNLOADS,
    DAILY_ROUND_DUTIES,
    KINDS,
    MAIL,
    MAIL_ROUND_OPENED,
    MAIL_SUBMISSION_STATUS,
    PUBLICATION,
    PUBLISH_SUBMISSION,
    SWEEP_WAITING_WORK,
    VALIDATE_SUBMISSION,
    VALIDATION,
    queue_name,
    queue_names,
)
from collection.models import Submission
from collection.review.decisions import submission_approve
from ilms_portal.celery import app as celery_app
from tests import factories
from tests.test_queue_reliability import Lab, Started, status, upload, wait_until

S = Submission.Status
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"

EXPECTED_QUEUES = {
    VALIDATE_SUBMISSION: VALIDATION,
    BUILD_ANNOTATED_COPY: VALIDATION,
    PUBLISH_SUBMISSION: PUBLICATION,
    MAIL_SUBMISSION_STATUS: MAIL,
    MAIL_ROUND_OPENED: MAIL,
    DAILY_ROUND_DUTIES: MAIL,
    SWEEP_WAITING_WORK: None,
    BUILD_BULK_DOWNLOADS: None,
}


def routed(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_each_task_goes_to_the_queue_of_its_kind_under_the_portals_base_queue(test_queue) -> None:
    assert {name: routed(name) for name in EXPECTED_QUEUES} == {
        name: f"{test_queue}.{kind}" if kind else test_queue for name, kind in EXPECTED_QUEUES.items()
    }


def test_a_worker_given_no_queue_takes_every_queue_of_the_portal() -> None:
    assert KINDS == settings.QUEUE_KINDS
    configured = {q.name: (q.exchange.name, q.routing_key) for q in settings.CELERY_TASK_QUEUES}
    assert sorted(configured) == sorted(queue_names(settings.CELERY_TASK_DEFAULT_QUEUE))
    assert sorted(configured) == ["ilms", "ilms.mail", "ilms.publication", "ilms.validation"]
    # each bound on its own (all bound to one exchange and key, each would get a copy of every message)
    assert all(configured[name] == (name, name) for name in configured)


@pytest.fixture
def published_to() -> Iterator[list[tuple[str, str]]]:
    """(task, queue) of every task sent while the test runs; the suite's queues are emptied afterwards."""
    sent: list[tuple[str, str]] = []

    def record(sender: str, routing_key: str, **kwargs: object) -> None:
        sent.append((sender, routing_key))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)
    with celery_app.connection_for_write() as connection:
        for queue in queue_names():
            connection.default_channel.queue_purge(queue)


def test_an_approval_sends_the_publication_and_its_mail_each_to_its_queue(
    settings, test_queue, reviewer, tha_submitted, published_to, django_capture_on_commit_callbacks
) -> None:
    settings.MAIL_BY_WORKER = True
    with django_capture_on_commit_callbacks(execute=True):
        submission_approve(user=reviewer, submission=tha_submitted)
    assert sorted(published_to) == [
        (MAIL_SUBMISSION_STATUS, f"{test_queue}.mail"),
        (PUBLISH_SUBMISSION, f"{test_queue}.publication"),
    ]


# --- real workers --------------------------------------------------------------------------------------------


@pytest.fixture
def lab(tmp_path: Path, test_queue: str) -> Iterator[Lab]:
    """Processes of the test's own, on queues of its own name, each stopped at the end."""
    lab = Lab(tmp_path, f"{test_queue}-{uuid.uuid4().hex[:6]}")
    yield lab
    lab.close()


def api(url: str, token: str, path: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


class Portal:
    """The people and the round of a test against a web server: a focal point of Thailand with an e-mail address
    (the mail of their submissions) and a reviewer, each with an API token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
        self.focal_point.email = "fp_tha@example.org"
        self.focal_point.save()
        self.reviewer = factories.make_user("reviewer", "reviewer")
        self.round = factories.make_round()
        self.sender = (Token.objects.create(user=self.focal_point).key, self.round.pk)
        self.reviewer_token = Token.objects.create(user=self.reviewer).key

    def upload(self, seed: int) -> int:
        code, body, _ = upload(self.url, self.sender, factories.sample_csv(seed=seed), f"tha-{seed}.csv")
        assert code == 201, body
        return body["id"]

    def submit_and_approve(self, pk: int) -> None:
        """The focal point describes the sources and answers the warnings (in this process: no worker task
        follows), then the reviewer approves over HTTP: the web server sends the publication."""
        submission = Submission.objects.get(pk=pk)
        demo_describe_sources(submission)
        factories.submit(self.focal_point, submission)
        answer = api(self.url, self.reviewer_token, f"/api/v1/submissions/{pk}/approve/", {"comment": "Fine."})
        assert answer["status"] == S.APPROVED, answer


def took(worker: Started, task_name: str) -> int:
    """How many messages of the task the worker received."""
    return len(re.findall(rf"Task {re.escape(task_name)}\[[0-9a-f-]+\] received", worker.text()))


def waiting(client: redis.Redis, queue: str) -> list[tuple[str, str]]:
    """(task, args) of the messages waiting in a Redis queue."""
    messages = [json.loads(m) for m in client.lrange(queue, 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def mails(folder: Path) -> list[str]:
    """The subjects of the mail the mail worker wrote (Django's file backend: one file per connection)."""
    subjects = []
    for path in sorted(folder.glob("*.log")):
        for part in path.read_text().split("-" * 79):
            if part.strip():
                subjects.append(email.message_from_string(part.strip()).get("Subject", ""))
    return subjects


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_workers_on_separate_queues_each_take_only_their_queues_work(lab: Lab, catalogue, tmp_path) -> None:
    broker = lab.redis(6395)
    client = redis.Redis(port=6395)
    portal = Portal(lab.web(broker))
    base = lab.queue
    validator = lab.worker("validator", broker, queues=[queue_name(VALIDATION, base)])

    first = portal.upload(seed=1)
    wait_until(lambda: status(first) == S.VALID, 60, "the first upload valid")
    portal.submit_and_approve(first)
    # No worker takes the publication queue: the approved submission waits there, while uploads still validate.
    second = portal.upload(seed=2)
    wait_until(lambda: status(second) == S.VALID, 60, "the second upload valid")
    assert status(first) == S.APPROVED
    assert waiting(client, queue_name(PUBLICATION, base)) == [(PUBLISH_SUBMISSION, f"({first},)")]
    mail_waiting = waiting(client, queue_name(MAIL, base))
    assert (MAIL_SUBMISSION_STATUS, f"({first}, 'valid')") in mail_waiting
    assert (MAIL_SUBMISSION_STATUS, f"({first}, 'approved')") in mail_waiting
    assert (MAIL_SUBMISSION_STATUS, f"({second}, 'valid')") in mail_waiting

    publisher = lab.worker("publisher", broker, queues=[queue_name(PUBLICATION, base)])
    wait_until(lambda: status(first) == S.PUBLISHED, 60, "published once a publication worker runs")
    # (the publisher's start re-sent the waiting publication: that copy finds it published, and is dropped)
    wait_until(lambda: client.llen(queue_name(PUBLICATION, base)) == 0, 30, "the publication queue empty")

    outbox = tmp_path / "outbox"
    mailer = lab.worker("mailer", broker, queues=[queue_name(MAIL, base)], EMAIL_URL=f"filemail:///{outbox}")
    wait_until(lambda: len(mails(outbox)) >= 4, 60, "four mails sent")
    assert sorted(subject.split(" (")[0] for subject in mails(outbox)) == sorted(
        [
            f"[ILMS] Upload #{first} for Thailand is valid",
            f"[ILMS] Submission #{first} for Thailand was approved",
            f"[ILMS] Submission #{first} for Thailand is published",
            f"[ILMS] Upload #{second} for Thailand is valid",
        ]
    )

    # Each worker received its own queue's tasks and no other's.
    assert took(validator, VALIDATE_SUBMISSION) >= 2 and took(validator, BUILD_ANNOTATED_COPY) >= 2
    assert took(validator, PUBLISH_SUBMISSION) == took(validator, MAIL_SUBMISSION_STATUS) == 0
    assert took(publisher, PUBLISH_SUBMISSION) >= 1
    assert took(publisher, VALIDATE_SUBMISSION) == took(publisher, MAIL_SUBMISSION_STATUS) == 0
    assert took(mailer, MAIL_SUBMISSION_STATUS) == 4
    assert took(mailer, VALIDATE_SUBMISSION) == took(mailer, PUBLISH_SUBMISSION) == 0


def rabbitmq_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def rabbitmq_queues(lab: Lab) -> Iterator[list[str]]:
    """The test's queues on the machine's RabbitMQ (default vhost): deleted, with their exchanges, afterwards."""
    names = queue_names(lab.queue)
    yield names
    for started in lab.started:  # first the workers, which would declare a deleted queue again
        lab.stop(started)
    with celery_app.connection_for_write(RABBITMQ) as connection:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)
            channel.exchange_delete(name)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not rabbitmq_answers(), reason="no RabbitMQ answers on 127.0.0.1:5672")
def test_the_same_routing_holds_on_rabbitmq(lab: Lab, catalogue, rabbitmq_queues) -> None:
    portal = Portal(lab.web(RABBITMQ))
    base = lab.queue
    lab.worker("validator", RABBITMQ, queues=[queue_name(VALIDATION, base)])
    pk = portal.upload(seed=3)
    wait_until(lambda: status(pk) == S.VALID, 60, "valid")
    portal.submit_and_approve(pk)
    lab.worker("publisher", RABBITMQ, queues=[queue_name(PUBLICATION, base)])
    wait_until(lambda: status(pk) == S.PUBLISHED, 60, "published")
    # valid, approved, published: the three mails wait on the mail queue, which no worker takes here
    wait_until(lambda: rabbitmq_waiting(queue_name(MAIL, base)) == 3, 30, "three mails on the mail queue")
    assert rabbitmq_waiting(queue_name(PUBLICATION, base)) == rabbitmq_waiting(queue_name(VALIDATION, base)) == 0


def rabbitmq_waiting(queue: str) -> int:
    with celery_app.connection_for_write(RABBITMQ) as connection:
        return connection.channel().queue_declare(queue, passive=True).message_count
