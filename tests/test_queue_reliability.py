"""Never lost, never run twice, with real processes: a Redis server of the test's own (stopped and started as
the test needs; never the shared one), the web server (gunicorn) taking uploads over HTTP, and Celery workers
with the sweeper on an embedded beat. Leases and sweeps run on short timeouts given to the processes by
environment (a lease dies after 4 s, the sweeper runs every 2 s and re-sends work waiting 1 s)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from rest_framework.authtoken.models import Token

from bench.data import long_frame
from collection.lib.queue import SWEEP_WAITING_WORK, queue_names
from collection.models import Lease, Submission, SubmissionEvent
from tests import factories
from tests.conftest import ROOT, database_url
from tests.staged_rows import staged_count

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAST = {"LEASE_HEARTBEAT": "0.5", "LEASE_TIMEOUT": "4", "SWEEP_DELAY": "1"}
SWEEP_EVERY = 2  # seconds, the test's beat schedule of the sweeper (every minute in production)
BAD_SIGNS = ("WrongState", "IntegrityError")
T = TypeVar("T")
S = Submission.Status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: Callable[[], T], timeout: float, about: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := what():
            return found
        time.sleep(0.1)
    raise AssertionError(f"still not {about} after {timeout} s")


@dataclass
class Started:
    """A process the test started, its log in a file."""

    name: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Lab:
    """Starts the processes of a test and stops each of them, by its own handle, at the end."""

    tmp: Path
    queue: str
    started: list[Started] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Started:
        log = self.tmp / f"{name}-{len(self.started)}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def stop(self, started: Started, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: the process ends as it would be told to (a worker finishes its task first); SIGKILL: the
        process and its own session (a worker's pool children) at once, as kill -9 does."""
        if started.process.poll() is None:
            if sig == signal.SIGKILL:
                os.killpg(started.process.pid, sig)
            else:
                started.process.send_signal(sig)
            try:
                started.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(started.process.pid, signal.SIGKILL)
                started.process.wait(timeout=30)

    def redis(self, port: int) -> str:
        argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.start(f"redis-{port}", argv)
        client = redis.Redis(port=port)
        wait_until(lambda: _pings(client), 10, f"answering on {port}")
        return f"redis://127.0.0.1:{port}/0"

    def env(self, broker: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CELERY_QUEUE": self.queue,
            "CELERY_BROKER_URL": broker,
            "DEBUG": "false",
            **FAST,
            **extra,
        }

    def web(self, broker: str) -> str:
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "ilms_portal.wsgi:application", "-b", f"127.0.0.1:{port}"]
        self.start("web", [*argv, "--workers", "1", "--timeout", "120"], self.env(broker))
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(url), 30, "serving")
        return url

    def worker(
        self,
        name: str,
        broker: str,
        *,
        beat: bool = False,
        ready: bool = True,
        queues: list[str] | None = None,
        **extra: str,
    ) -> Started:
        """A worker of one pool process on the lab's queues (or only `queues`), with the sweeper's beat embedded if
        `beat`, waited for until its start's re-send is done, unless `ready` is false."""
        argv = [sys.executable, "-m", "celery", "-A", "ilms_portal", "worker", "--pool=prefork", "--concurrency=1"]
        argv += ["-n", f"{name}@%h", "-Q", ",".join(queues or queue_names(self.queue))]
        argv += ["--loglevel=info", "--without-gossip", "--without-mingle"]
        worker = self.start(name, argv + (["--beat"] if beat else []), self.env(broker, **extra))
        if ready:
            wait_until(lambda: "worker ready:" in worker.text(), 60, f"{name} ready")
        return worker

    def close(self) -> None:
        for started in reversed(self.started):
            self.stop(started)
            print(f"--- {started.name}\n{started.text()[-2500:]}")


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/api/v1/", timeout=5)
    except urllib.error.HTTPError:
        return True  # it answers (whatever it says without signing in)
    except OSError:
        return False
    return True


@pytest.fixture
def lab(tmp_path: Path, test_queue: str) -> Iterator[Lab]:
    lab = Lab(tmp_path, f"{test_queue}-{uuid.uuid4().hex[:6]}")
    yield lab
    lab.close()


@pytest.fixture
def sweeps(catalogue) -> None:
    """The sweeper's beat entry (migration 0018's) every SWEEP_EVERY seconds; nothing else on the schedule."""
    often, _ = IntervalSchedule.objects.get_or_create(every=SWEEP_EVERY, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.exclude(task=SWEEP_WAITING_WORK).update(enabled=False)
    PeriodicTask.objects.update_or_create(
        task=SWEEP_WAITING_WORK, defaults={"name": "Re-send waiting work", "interval": often, "enabled": True}
    )


@pytest.fixture
def sender(catalogue) -> tuple[str, int]:
    """A focal point's API token and an open round asking for every table over 50 years."""
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round(years=tuple(range(1950, 2000)), tables=factories.ALL_TABLES)
    return Token.objects.create(user=focal_point).key, round_.pk


def content(observations: int) -> bytes:
    """A consistent long-layout CSV of every table from 1950 on (10,584 observations a year)."""
    frame, _ = long_frame(country="THA", observations=observations)
    return frame.write_csv().encode()


def upload(url: str, sender: tuple[str, int], data: bytes, name: str = "tha.csv") -> tuple[int, dict, float]:
    """POST a file to the API as the focal point: (status code, answer, seconds it took)."""
    token, round_id = sender
    boundary = uuid.uuid4().hex
    fields = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in {"round": round_id, "country": "THA"}.items()
    )
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
    request = urllib.request.Request(
        url + "/api/v1/submissions/",
        data=fields + head + data + f"\r\n--{boundary}--\r\n".encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read()), time.monotonic() - began
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}"), time.monotonic() - began


def status(pk: int) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=pk)


def moves(pk: int) -> list[tuple[str, str]]:
    return list(SubmissionEvent.objects.filter(submission_id=pk).values_list("from_status", "to_status"))


def released(pk: int) -> bool:
    return Lease.objects.filter(pk=pk, holder="").exists()


def settled(pks: list[int]) -> bool:
    return not Submission.objects.filter(pk__in=pks, status__in=S.pending()).exists()


def test_an_upload_while_redis_is_down_answers_at_once_and_is_validated_once_redis_is_back(lab, sweeps, sender):
    broker = lab.redis(6391)
    web = lab.web(broker)
    worker = lab.worker("w1", broker, beat=True)
    code, big, _ = upload(web, sender, content(150_000), "big.csv")
    assert code == 201, big
    wait_until(lambda: status(big["id"]) == S.VALIDATING, 60, "validating the big file")
    code, queued, _ = upload(web, sender, content(20_000), "queued.csv")  # waits in Redis behind the big one
    assert code == 201, queued

    lab.stop(next(s for s in lab.started if s.name == "redis-6391"))  # no persistence: what it held is gone
    code, during, took = upload(web, sender, content(20_000), "during.csv")
    assert code == 201 and during["status"] == "received", during
    assert took < 6, f"the upload waited {took:.1f} s on the broker"
    kept = Submission.objects.get(pk=during["id"])
    assert Path(kept.file.path).read_bytes() == content(20_000)
    time.sleep(2 * SWEEP_EVERY)  # sweeps come while Redis is down: their sends fail, logged, nothing lost

    lab.redis(6391)
    ids = [big["id"], queued["id"], during["id"]]
    wait_until(lambda: settled(ids), 90, "settled once Redis is back")
    for pk in ids:
        assert status(pk) == S.VALID, Submission.objects.get(pk=pk).issues.values_list("message", flat=True)[:3]
        assert moves(pk) == [("", "received"), ("received", "validating"), ("validating", "valid")]
    log = lab.started[1].text()
    assert "could not send collection.validate_submission" in log  # the web server's send, refused fast
    assert "sweep:" in worker.text() and not any(sign in worker.text() for sign in BAD_SIGNS)
    print(f"upload with Redis down answered 201 in {took:.2f} s")


def test_two_workers_starting_and_resending_validate_each_submission_once(lab, sweeps, sender):
    broker = lab.redis(6392)
    web = lab.web(broker)
    ids = []
    for n in range(6):
        code, body, _ = upload(web, sender, content(60_000), f"tha-{n}.csv")
        assert code == 201, body
        ids.append(body["id"])
    # Both start together: each start re-sends all six (nobody holds them yet), on top of the six uploads.
    workers = [lab.worker("first", broker, beat=True, ready=False), lab.worker("second", broker, ready=False)]
    for worker in workers:
        wait_until(lambda w=worker: "worker ready:" in w.text(), 60, f"{worker.name} ready")
    wait_until(lambda: settled(ids), 120, "all settled")
    time.sleep(2 * SWEEP_EVERY)  # the duplicates still queued are taken and dropped

    for pk in ids:
        assert status(pk) == S.VALID
        assert moves(pk) == [("", "received"), ("received", "validating"), ("validating", "valid")]
        assert staged_count(Submission.objects.get(pk=pk)) == Submission.objects.get(pk=pk).observation_count
    logs = "".join(w.text() for w in workers)
    assert not any(sign in logs for sign in BAD_SIGNS)

    def accounted() -> tuple[int, int, int] | None:
        """Every message that came validated once, was dropped under a live lease, or found the work done."""
        logs = "".join(w.text() for w in workers)
        came = len(re.findall(r"validate_submission\[[0-9a-f-]+\] received", logs))
        dropped, done = logs.count("this message is dropped"), logs.count("validation skipped")
        return (came, dropped, done) if came == len(ids) + dropped + done else None

    came, dropped, done = wait_until(accounted, 30, "every message accounted for")
    print(f"{came} validation messages for {len(ids)} submissions: {dropped} dropped (held), {done} found done")
    assert came > len(ids)  # duplicates did come, and did no harm


def test_a_lease_left_by_a_killed_worker_is_taken_over_and_the_file_validated_once(lab, sweeps, sender):
    broker = lab.redis(6393)
    web = lab.web(broker)
    doomed = lab.worker("doomed", broker)
    code, body, _ = upload(web, sender, content(300_000), "large.csv")
    assert code == 201, body
    pk = body["id"]

    def held() -> bool:
        return status(pk) == S.VALIDATING and Lease.objects.filter(pk=pk).exclude(holder="").exists()

    wait_until(held, 60, "validating under a lease")
    holder = Lease.objects.get(pk=pk).holder
    lab.stop(doomed, signal.SIGKILL)  # kill -9, the pool child mid-validation with it
    # As if it had run on another machine: no process to look for, the lease has to time out.
    Lease.objects.filter(pk=pk).update(holder=holder.replace(socket.gethostname(), "elsewhere", 1))
    assert status(pk) == S.VALIDATING, "the file was checked before the kill; the test needs a larger one"
    killed_at = time.monotonic()

    heir = lab.worker("heir", broker, beat=True)  # its start leaves the live-looking lease alone
    wait_until(lambda: settled([pk]) and released(pk), 90, "settled after the takeover")
    took = time.monotonic() - killed_at
    assert took >= float(FAST["LEASE_TIMEOUT"])

    submission = Submission.objects.get(pk=pk)
    assert submission.status == S.VALID, list(submission.issues.values_list("message", flat=True)[:3])
    assert moves(pk) == [("", "received"), ("received", "validating"), ("validating", "valid")]
    assert staged_count(submission) == submission.observation_count
    lease = Lease.objects.get(pk=pk)
    assert lease.takeovers == 1 and lease.work == Lease.Work.VALIDATION  # (a late duplicate may hold it a moment)
    assert (
        holder.split(":")[1] != "" and f"re-sending collection.validate_submission for submission {pk}" in heir.text()
    )
    assert not any(sign in heir.text() for sign in BAD_SIGNS)
    print(f"taken over and valid {took:.1f} s after the kill (lease timeout {FAST['LEASE_TIMEOUT']} s)")


def test_a_validation_past_its_soft_time_limit_ends_invalid_with_a_sentence(lab, sender):
    broker = lab.redis(6394)
    web = lab.web(broker)
    worker = lab.worker("slow", broker, VALIDATION_SOFT_TIME_LIMIT="1")
    code, body, _ = upload(web, sender, content(300_000), "large.csv")
    assert code == 201, body
    wait_until(lambda: settled([body["id"]]) and released(body["id"]), 60, "settled")
    submission = Submission.objects.get(pk=body["id"])
    assert submission.status == S.INVALID and submission.error_count == 1
    [issue] = submission.issues.all()
    assert issue.rule == "file.too_slow"
    assert issue.message.startswith("Checking this file took longer than 1 second, the portal's limit")
    assert Lease.objects.get(pk=submission.pk).holder == ""
    assert "SoftTimeLimitExceeded" in worker.text()
