"""A worker killed with -9 in the middle of a big publication (PostgreSQL, real workers): its backend notices
the dead client and rolls back within seconds, so another country publishes at once, and the killed
publication is published again afterwards, whole, never partially."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from collection.lib.queue import queue_names
from collection.models import Observation, Submission
from collection.review.decisions import submission_approve
from tests import factories
from tests.conftest import ROOT, database_url
from tests.publication.test_publication_failures import restage, staged_frame
from tests.staged_rows import staged_count, staged_file_exists

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BIG_ROWS = 300_000  # staged rows of the killed publication: long enough to be killed in its middle
DEAD_BACKEND_GONE_WITHIN = 15  # seconds after the kill (client check every 2 s; lock wait at most 10 s)
OTHER_COUNTRY_WITHIN = 30  # seconds after the kill, a new worker's start (about 10 s here) included


def wait_until(check: Callable[[], object], timeout: float, what: str) -> float:
    """Poll until `check` is true; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.fixture
def start_worker(tmp_path, test_queue) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start real workers on the suite's queue: solo by default (the process that publishes is the one killed),
    or with the given pool options."""
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_QUEUE": test_queue,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }

    def start(name: str, *pool: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - the process holds it until it ends
        command = [sys.executable, "-m", "celery", "-A", "ilms_portal", "worker", *(pool or ["--pool=solo"])]
        command += ["--loglevel=info"]
        command += ["-Q", ",".join(queue_names(test_queue)), "-n", f"{name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # busy with a task it would finish first
                process.kill()
                process.wait(timeout=10)
        for log in sorted(Path(tmp_path).glob("*.log")):
            print(log.name, log.read_text()[-12000:])


def backends(pattern: str) -> list[int]:
    """The pids of this database's backends running a statement that matches `pattern` (not this one)."""
    with psycopg.connect(database_url(), autocommit=True) as other:
        rows = other.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'active' AND query ILIKE %s",
            [pattern],
        ).fetchall()
    return [pid for (pid,) in rows]


def alive(pid: int) -> bool:
    with psycopg.connect(database_url(), autocommit=True) as other:
        return other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone() is not None


def test_kill_9_mid_publication_blocks_nobody_and_publishes_whole_afterwards(
    start_worker, catalogue, focal_point, other_focal_point, reviewer
):
    if connection.vendor != "postgresql":
        pytest.skip("the orphaned backend and its advisory lock are PostgreSQL's")
    round_ = factories.make_round(countries=["THA", "MYS"])
    big = factories.submit(focal_point, factories.validated(focal_point, round_))
    one = staged_frame(big)
    copies = -(-BIG_ROWS // one.height)
    # More of the same rows in other years (staged rows are not checked again): a big publication, fast to build.
    more = pl.concat(
        one.with_columns(pl.format("{}{}", pl.lit(1000 + i), pl.col("time").str.slice(-1)).alias("time"))
        for i in range(copies)
    )
    restage(big, pl.concat([one, more.with_columns((pl.int_range(pl.len()) + 10_000).cast(pl.Int64).alias("row"))]))
    staged = staged_count(big)
    other = factories.submit(other_focal_point, factories.validated(other_focal_point, round_, country="MYS"))

    first = start_worker("first")
    submission_approve(user=reviewer, submission=big)  # the worker takes it at once
    pattern = "%collection_observation%"
    found: list[int] = []  # kept from the poll that saw them: the statement may have moved on by a second look
    wait_until(lambda: found.extend(backends(pattern)) or found, 120, "the big publication writing into the master")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()

    submission_approve(user=reviewer, submission=other)
    # As in production, two processes: its start re-sends the approved work, the killed publication too.
    start_worker("second", "--pool=prefork", "--concurrency=2")
    gone = wait_until(
        lambda: not any(alive(pid) for pid in found), DEAD_BACKEND_GONE_WITHIN, "the dead worker's backend gone"
    )
    assert not Observation.objects.filter(submission=big).exists()  # rolled back: nothing partial
    wait_until(
        lambda: Submission.objects.get(pk=other.pk).status == Submission.Status.PUBLISHED,
        OTHER_COUNTRY_WITHIN - (time.monotonic() - killed_at),
        "the other country published",
    )
    other_after = time.monotonic() - killed_at
    wait_until(
        lambda: Submission.objects.get(pk=big.pk).status == Submission.Status.PUBLISHED, 180, "the big one published"
    )
    assert Observation.objects.filter(submission=big).count() == staged  # whole, once
    assert not staged_file_exists(big)
    print(f"dead backend gone {gone:.1f} s after the kill; other country published {other_after:.1f} s after it")
