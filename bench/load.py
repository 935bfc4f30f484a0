"""The load test: 50 uploads at once from 10 countries (5 each) over real HTTP while reviewers approve the valid ones,
with two real workers on separate queues and a Redis server of the benchmark's own. Every upload must be validated
exactly once and every approval published, none lost; the figures are the median and p95 time from upload to
report, beside one upload alone on the same idle workers, measured first in the same run.

The processes: gunicorn (2 processes of 4 threads) on the benchmark's database; worker "validation" takes the
validation queue with 2 pool processes; worker "publication" takes the publication and mail queues and the base
queue (periodic duties, among them the bulk files rebuilt after each publication) with 2. Each file is a
consistent long-layout CSV of every table for two years with 10 partner countries (4,032 observations, about
310 KB), values multiplied by the upload's number (1 to 5, so each publication really revises the one before
and the order of approvals shows in the master table)."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import polars as pl
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bench.data import long_frame
from bench.report import Row
from bench.server import ROOT, database_url
from collection.catalogue.regions import region_members
from collection.demo.seed import demo_describe_sources
from collection.lib.queue import MAIL, PUBLICATION, VALIDATION, queue_name, queue_names
from collection.lib.users import User
from collection.models import (
    Country,
    Lease,
    Observation,
    Review,
    Round,
    Submission,
    SubmissionEvent,
    TableDefinition,
    UnchangedValue,
)
from collection.people.accounts import user_create_or_update
from collection.review.decisions import submission_submit
from collection.submissions.explanations import explanation_save

REDIS_PORT = 6396  # the queues helper's own (6395-6399); never the shared Redis
COUNTRIES = 10
UPLOADS_PER_COUNTRY = 5
OBSERVATIONS = 4_000  # at least: two years of every table with 10 partners
PARTNERS = 10
REVIEWERS = 2
TIMEOUT = 1800  # seconds for the whole load to settle (a loaded shared machine takes long); it stops by itself then
S = Submission.Status


def _progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] load: {what}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"load: {what}, not within {timeout} s")


@dataclass
class Processes:
    """The processes the load test starts, each stopped by its own handle at the end."""

    folder: Path
    started: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - the process holds it until it ends
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def _running(folder: Path) -> Iterator[tuple[Processes, str, dict[str, str]]]:
    """Redis, the web server and the two workers on queues of the run's own name; (processes, url, env)."""
    processes = Processes(folder)
    base = f"bench-load-{uuid.uuid4().hex[:6]}"
    broker = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": base,
        "EMAIL_URL": "dummymail://",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
    }
    try:
        processes.start("redis", ["redis-server", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"])
        port = _free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "ilms_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
        processes.start("web", [*gunicorn, "--workers", "2", "--threads", "4", "--timeout", "300"], env)
        celery = [sys.executable, "-m", "celery", "-A", "ilms_portal", "worker", "--loglevel=info", "--without-gossip"]
        celery += ["--without-mingle", "--without-heartbeat"]
        validation = queue_name(VALIDATION, base)
        processes.start("validation", [*celery, "-n", "validation@%h", "-Q", validation, "-c", "2"], env)
        others = ",".join([queue_name(PUBLICATION, base), queue_name(MAIL, base), queue_name(None, base)])
        # Two processes: the bulk files rebuilt after a publication (6 s for this master on an idle machine) must not
        # hold the next publication behind them (with one process, each publication waited for the last build).
        processes.start("publication", [*celery, "-n", "publication@%h", "-Q", others, "-c", "2"], env)
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(url), 300, "the web server answering")
        for name in ("validation", "publication"):
            _wait(partial(_ready, processes, name), 300, f"the {name} worker ready")
        assert sorted(queue_names(base)) == sorted([validation, *others.split(",")])  # every queue taken
        yield processes, url, env
    finally:
        processes.stop_all()


def _ready(processes: Processes, name: str) -> bool:
    return "worker ready:" in processes.log(name)


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/api/v1/", timeout=2)
    except httpx.TransportError:
        return False
    return True


def _file(country: str, factor: int) -> bytes:
    """The country's file, its values multiplied by `factor` (totals still add up to the digit)."""
    frame, _ = long_frame(country=country, observations=OBSERVATIONS, partners=PARTNERS)
    value = (pl.col("obs_value").cast(pl.Float64) * factor).round(1).cast(pl.Utf8)
    return frame.with_columns(value.alias("obs_value")).write_csv().encode()


@dataclass
class Upload:
    country: str
    factor: int
    token: str
    round_id: int
    content: bytes = b""
    began: float = 0.0  # epoch seconds, as the request left
    answered: float = 0.0
    pk: int = 0

    def __post_init__(self) -> None:
        self.content = _file(self.country, self.factor)  # made before the clock starts (it reads the catalogue)


def _upload(url: str, upload: Upload) -> Upload:
    content = upload.content
    upload.began = time.time()
    answer = httpx.post(
        url + "/api/v1/submissions/",
        headers={"Authorization": f"Token {upload.token}"},
        data={"round": str(upload.round_id), "country": upload.country},
        files={"file": (f"{upload.country.lower()}-{upload.factor}.csv", content, "text/csv")},
        timeout=300,
    )
    upload.answered = time.time()
    assert answer.status_code == 201, (answer.status_code, answer.text[:300])
    upload.pk = answer.json()["id"]
    return upload


def _report_seconds(upload: Upload) -> float:
    validated_at = Submission.objects.values_list("validated_at", flat=True).get(pk=upload.pk)
    assert validated_at is not None, upload
    return validated_at.timestamp() - upload.began


def _approve(url: str, reviewer_token: str, focal_points: dict[str, User], submission: Submission) -> float:
    """What a focal point does before review (sources described, warnings answered, submitted: in this process,
    no task follows), then the reviewer's approval over HTTP; the epoch second of the approval's answer."""
    focal_point = focal_points[submission.country_id]
    demo_describe_sources(submission)
    for rule in submission.issues.filter(severity="warning").values_list("rule", flat=True).distinct():
        explanation_save(user=focal_point, submission=submission, text="Checked with the survey team.", rule=rule)
    submission_submit(user=focal_point, submission=submission)
    answer = httpx.post(
        url + f"/api/v1/submissions/{submission.pk}/approve/",
        headers={"Authorization": f"Token {reviewer_token}"},
        json={"comment": "Fine."},
        timeout=120,
    )
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    return time.time()


def _reviewer(
    url: str, token: str, focal_points: dict[str, User], countries: list[str], ids: set[int], approved: dict
) -> None:
    """One reviewer thread: approves its countries' valid submissions as they come, oldest upload first (one
    submitted per country and round at a time), until each of them is decided."""
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            close_old_connections()
            mine = Submission.objects.filter(pk__in=ids, country_id__in=countries)
            if not mine.filter(status__in=[*S.pending(), S.VALID]).exclude(pk__in=list(approved)).exists():
                return
            for submission in mine.filter(status=S.VALID).order_by("uploaded_at", "pk"):
                approved[submission.pk] = _approve(url, token, focal_points, submission)
            time.sleep(0.2)
    finally:
        connection.close()


def run() -> list[Row]:
    if connection.vendor != "postgresql":
        print("load skipped: it needs DATABASE_URL=postgres://...")
        return []
    if shutil.which("redis-server") is None:
        print("load skipped: it starts a Redis server of its own and there is no redis-server")
        return []
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    _progress(f"the processes' logs in {folder} (kept if the run fails)")
    rows = _run(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def _run(folder: Path) -> list[Row]:
    countries = region_members("ASEAN")[:COUNTRIES]
    assert len(countries) == COUNTRIES, countries
    _, years = long_frame(country=countries[0], observations=OBSERVATIONS, partners=PARTNERS)
    round_ = Round.objects.create(
        name="bench load", reference_years=years, deadline=timezone.localdate(), status=Round.Status.OPEN
    )
    round_.countries.set(Country.objects.filter(pk__in=countries))
    round_.tables.set(TableDefinition.objects.all())
    focal_points = {
        iso3: user_create_or_update(username=f"load_fp_{iso3.lower()}", role="focal_point", countries=[iso3])
        for iso3 in countries
    }
    tokens = {iso3: Token.objects.create(user=user).key for iso3, user in focal_points.items()}
    reviewer = user_create_or_update(username="load_reviewer", role="reviewer")
    reviewer_token = Token.objects.create(user=reviewer).key

    with _running(folder) as (processes, url, _):
        _progress("one upload alone (the baseline)")
        alone = _upload(url, Upload(countries[0], 7, tokens[countries[0]], round_.pk))
        _wait(lambda: Submission.objects.get(pk=alone.pk).status not in S.pending(), 120, "the lone upload checked")
        alone_seconds = _report_seconds(alone)
        assert Submission.objects.get(pk=alone.pk).status == S.VALID
        alone_approved = _approve(url, reviewer_token, focal_points, Submission.objects.get(pk=alone.pk))
        _wait(lambda: Submission.objects.get(pk=alone.pk).status == S.PUBLISHED, 120, "the lone upload published")
        alone_published = _published_at(alone.pk) - alone_approved

        _progress(f"{COUNTRIES * UPLOADS_PER_COUNTRY} uploads at once, {REVIEWERS} reviewers approving")
        uploads = [
            Upload(iso3, factor, tokens[iso3], round_.pk)
            for factor in range(1, UPLOADS_PER_COUNTRY + 1)
            for iso3 in countries
        ]
        approved: dict[int, float] = {}
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(uploads)) as pool:
            done = list(pool.map(lambda u: _upload(url, u), uploads))
        ids = {u.pk for u in done}
        reviewers = [
            threading.Thread(
                target=_reviewer, args=(url, reviewer_token, focal_points, countries[i::REVIEWERS], ids, approved)
            )
            for i in range(REVIEWERS)
        ]
        for thread in reviewers:
            thread.start()
        for thread in reviewers:
            thread.join(TIMEOUT)
        _wait(lambda: not Submission.objects.filter(pk__in=ids, status__in=S.pending()).exists(), TIMEOUT, "settled")
        wall = time.monotonic() - started
        validation_log, publication_log = processes.log("validation"), processes.log("publication")

    # Nothing lost, nothing twice: every upload validated once, every approval published, every lease free.
    statuses = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert len(statuses) == len(uploads) and set(statuses.values()) == {S.PUBLISHED}, statuses
    for pk in ids:
        moves = list(SubmissionEvent.objects.filter(submission_id=pk).values_list("to_status", flat=True))
        assert moves.count(S.VALIDATING) == 1 and moves.count(S.VALID) == 1, (pk, moves)
        assert moves.count(S.PUBLISHED) == 1, (pk, moves)
    assert set(approved) == ids
    assert not Lease.objects.exclude(holder="").exists()
    assert validation_log.count(" validated: ") == len(uploads) + 1  # the lone one too
    # each worker received only its own queues' tasks (its banner lists every task, so count what it received)
    assert "Task collection.publish_submission[" not in validation_log
    assert "Task collection.validate_submission[" not in publication_log
    # Per-country order: each key's current value is the most recently approved upload's, whatever order the
    # publications ran in.
    for iso3 in countries:
        last = (
            Review.objects.filter(submission__country_id=iso3, decision=Review.Decision.APPROVE)
            .order_by("-created_at", "-id")
            .values_list("submission_id", flat=True)
            .first()
        )
        current = Observation.objects.filter(ref_area=iso3, is_current=True)
        # A value the last approval sent again unchanged (a zero stays zero times any factor) keeps its earlier
        # version: the publication notes which master row it matched.
        kept = UnchangedValue.objects.filter(publication__submission_id=last).values("observation_id")
        stray = current.exclude(submission_id=last).exclude(pk__in=kept)
        assert last is not None and current.exists() and not stray.exists(), (iso3, stray.count())

    reports = sorted(_report_seconds(u) for u in done)
    publications = sorted(_published_at(pk) - approved[pk] for pk in ids)
    answers = sorted(u.answered - u.began for u in done)
    n = len(uploads)
    _progress(
        f"{n} uploads validated once and published in {wall:.0f} s; upload answers median "
        f"{statistics.median(answers):.2f} s, p95 {_p95(answers):.2f} s"
    )
    what = f"{n} uploads at once ({COUNTRIES} countries, {OBSERVATIONS:,}+ obs. each), 2 workers"
    return [
        Row(f"{what}: upload to report, median", statistics.median(reports), "one upload alone", alone_seconds),
        Row(f"{what}: upload to report, p95", _p95(reports), "one upload alone", alone_seconds),
        Row(
            f"{n} approvals while uploading: approval to published, median",
            statistics.median(publications),
            "one publication alone",
            alone_published,
        ),
        Row(
            f"{n} approvals while uploading: approval to published, p95",
            _p95(publications),
            "one publication alone",
            alone_published,
        ),
        Row(
            f"{n} uploads: all validated once, all published (none lost)",
            wall,
            f"{n} x one upload alone, end to end",
            n * (alone_seconds + alone_published),
            "none lost",
            True,
        ),
    ]


def _published_at(pk: int) -> float:
    event = SubmissionEvent.objects.filter(submission_id=pk, to_status=S.PUBLISHED).values_list("at", flat=True)
    return event.get().timestamp()


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]
