"""Leases: never lost, never run twice. A worker claims a submission's work before doing it, so two workers
never validate or publish the same submission at once, and the sweeper re-sends work nobody is doing.

- The claim is a conditional UPDATE of the submission's Lease row: it succeeds only when the lease is free
  or dead, and records who (host:pid:task) and when. A message whose work is held by a live worker is
  dropped (logged); the sweeper re-sends it later if it is still needed.
- A live task never loses its lease, however long it runs: a heartbeat thread (its own database connection)
  renews it every LEASE_HEARTBEAT seconds, and only a lease not renewed for LEASE_TIMEOUT (several
  heartbeats) is dead. A worker killed (kill -9, out of memory, the task's hard time limit) stops renewing,
  and its work is taken over within LEASE_TIMEOUT plus one sweep (at once by a worker starting on the same
  machine, which sees the holder's process gone). A lease longer than the hard time limit
  instead would have left a dead worker's work waiting for half an hour.
- Each takeover is counted: a file that kills its worker every time (memory, a hang past the hard limit) is
  given up after LEASE_TAKEOVER_LIMIT takeovers, with a sentence, instead of going round for ever.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from celery import current_task
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Case, Exists, F, OuterRef, PositiveSmallIntegerField, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from collection.lib.queue import PUBLISH_SUBMISSION, VALIDATE_SUBMISSION, send
from collection.models import Lease, Review, Submission

logger = logging.getLogger(__name__)
T = TypeVar("T")
Work = Lease.Work
COUNT = PositiveSmallIntegerField()

# The task that does each piece of work, and the statuses in which a submission waits for it.
TASKS = {Work.VALIDATION: VALIDATE_SUBMISSION, Work.PUBLICATION: PUBLISH_SUBMISSION}
WAITING = {
    Work.VALIDATION: Submission.Status.awaiting_validation(),
    Work.PUBLICATION: Submission.Status.awaiting_publication(),
}


def lease_holder_name() -> str:
    """Who claims: the machine, the process and the task (a random tail keeps two claims of one task apart)."""
    task_id = current_task.request.id if current_task else None
    return f"{socket.gethostname()}:{os.getpid()}:{task_id or '-'}:{uuid.uuid4().hex[:6]}"


def _stale_before() -> timedelta:
    return timedelta(seconds=settings.LEASE_TIMEOUT)


def dead_here(holder: str) -> bool:
    """A holder on this machine whose process is gone: dead now, without waiting for its lease to time out
    (a worker restarted after kill -9 resumes at once). A process of the same number alive (reused) keeps the
    wait, so this only ever shortens it; machines must have names of their own, as Celery's nodes do."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def lease_claim(*, submission_id: int, work: str, holder: str) -> bool:
    """Claim the work with one conditional UPDATE: exactly one of two simultaneous claims wins, and a lease
    not renewed for LEASE_TIMEOUT (its worker died), or held by a process of this machine that is gone, is
    taken over and counted."""
    now = timezone.now()
    # The row exists before the UPDATE can be conditional (a second insert of it is ignored, not an error).
    Lease.objects.bulk_create(
        [Lease(submission_id=submission_id, work=work, holder="", claimed_at=now, renewed_at=now)],
        ignore_conflicts=True,
    )
    dead = ~Q(holder="") & Q(renewed_at__lt=now - _stale_before())
    current = Lease.objects.filter(pk=submission_id).values_list("holder", flat=True).first()
    if current and dead_here(current):
        dead |= Q(holder=current)  # still conditional: a claim made meanwhile changed the holder
    claimed = Lease.objects.filter(Q(holder="") | dead, pk=submission_id).update(
        holder=holder,
        claimed_at=now,
        renewed_at=now,
        # Takeovers count per piece of work: publication starts again from none.
        takeovers=Case(
            When(dead & Q(work=work), then=F("takeovers") + 1),
            When(work=work, then=F("takeovers")),
            default=Value(0),
            output_field=COUNT,
        ),
        work=work,
    )
    return claimed == 1


def lease_release(*, submission_id: int, holder: str) -> None:
    """Free the lease once the work has ended (done, failed or raised); only its holder can."""
    try:
        Lease.objects.filter(pk=submission_id, holder=holder).update(holder="")
    except DatabaseError:  # the database went away with the work: the lease expires on its own
        logger.warning("could not release the lease of submission %s; it expires by itself", submission_id)


def lease_takeovers(submission_id: int) -> int:
    """How many workers died doing this submission's current work before this one took it over."""
    return Lease.objects.filter(pk=submission_id).values_list("takeovers", flat=True).first() or 0


class Heartbeat(threading.Thread):
    """Renews a lease every LEASE_HEARTBEAT seconds while its work runs, on a database connection of its
    own (Django's are per thread), so that the work's long transactions never delay a renewal."""

    def __init__(self, submission_id: int, holder: str) -> None:
        super().__init__(name=f"lease-{submission_id}", daemon=True)
        self.submission_id = submission_id
        self.holder = holder
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.LEASE_HEARTBEAT):
                try:
                    renewed = Lease.objects.filter(pk=self.submission_id, holder=self.holder).update(
                        renewed_at=timezone.now()
                    )
                except DatabaseError:  # a missed beat or two is what LEASE_TIMEOUT allows for
                    logger.warning("could not renew the lease of submission %s", self.submission_id, exc_info=True)
                    continue
                if not renewed:
                    logger.error("submission %s: %s lost its lease to a takeover", self.submission_id, self.holder)
                    return
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self) -> None:
        self.stopped.set()


def leased(work: str) -> Callable[[Callable[..., T | None]], Callable[..., T | None]]:
    """Run the decorated service (`fn(*, submission_id, **options)`) only under the submission's lease for `work`,
    renewed while it runs and released when it ends, however it ends; without the lease it does nothing."""

    def decorate(fn: Callable[..., T | None]) -> Callable[..., T | None]:
        @functools.wraps(fn)
        def under_lease(*, submission_id: int, **options: Any) -> T | None:
            if not Submission.objects.filter(pk=submission_id).exists():
                return fn(submission_id=submission_id, **options)  # it says that there is nothing to do
            holder = lease_holder_name()
            if not lease_claim(submission_id=submission_id, work=work, holder=holder):
                current = Lease.objects.filter(pk=submission_id).values_list("holder", "renewed_at").first()
                logger.info("submission %s: %s held by %s; this message is dropped", submission_id, work, current)
                return None
            heartbeat = Heartbeat(submission_id, holder)
            heartbeat.start()
            try:
                return fn(submission_id=submission_id, **options)
            finally:
                heartbeat.stop()
                lease_release(submission_id=submission_id, holder=holder)

        return under_lease

    return decorate


def _unleased(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Those nobody is working on: no lease, a released one, or a dead one."""
    live = Lease.objects.filter(submission=OuterRef("pk"), renewed_at__gte=timezone.now() - _stale_before()).exclude(
        holder=""
    )
    held = Lease.objects.exclude(holder="").values_list("submission_id", "holder")  # as many as tasks running
    gone = [pk for pk, holder in held if dead_here(holder)]
    return submissions.filter(~Exists(live) | Q(pk__in=gone))


def work_waiting(*, delay: float) -> list[tuple[str, int]]:
    """(task, submission id) of every submission waiting for the worker for longer than `delay` seconds with
    nobody working on it: validations in upload order, then publications in approval order (the approving
    review's time and id, the order publication itself follows), so re-sent work runs as it would have."""
    since = timezone.now() - timedelta(seconds=delay)
    waiting = _unleased(Submission.objects.filter(status_changed_at__lte=since))
    validations = waiting.filter(status__in=WAITING[Work.VALIDATION]).order_by("status_changed_at", "pk")
    approval = Review.objects.filter(submission=OuterRef("pk"), decision=Review.Decision.APPROVE).order_by(
        "-created_at", "-id"
    )
    publications = (
        waiting.filter(status__in=WAITING[Work.PUBLICATION])
        .annotate(
            approved_at=Subquery(approval.values("created_at")[:1]), approval_id=Subquery(approval.values("id")[:1])
        )
        .order_by("approved_at", "approval_id", "pk")
    )
    return [(TASKS[Work.VALIDATION], pk) for pk in validations.values_list("pk", flat=True)] + [
        (TASKS[Work.PUBLICATION], pk) for pk in publications.values_list("pk", flat=True)
    ]


def work_resend(*, delay: float) -> int:
    """Re-send the work of every submission waiting past `delay` with nobody on it (see `work_waiting`); a
    duplicate of a message still in the queue costs one claim and is dropped. Returns how many were sent."""
    sent = 0
    for task_name, submission_id in work_waiting(delay=delay):
        logger.info("re-sending %s for submission %s", task_name, submission_id)
        sent += send(task_name, submission_id)
    return sent
