"""Celery tasks: another interface to the services. They take an id, call the service, and decide nothing."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import OperationalError

from collection.dissemination.bulk import bulk_files_build
from collection.lib.queue import (
    BUILD_ANNOTATED_COPY,
    BUILD_BULK_DOWNLOADS,
    DAILY_ROUND_DUTIES,
    MAIL_ROUND_OPENED,
    MAIL_SUBMISSION_STATUS,
    PUBLISH_SUBMISSION,
    SWEEP_WAITING_WORK,
    VALIDATE_SUBMISSION,
    enqueue,
)
from collection.notifications import reminders_send, round_opened_notify, submission_status_notify
from collection.publication.publish import observations_publish
from collection.rounds.lifecycle import rounds_due_to_open
from collection.submissions.lease import work_resend
from collection.validation.run import submission_validate
from collection.workbook.annotate import annotated_copy_build

logger = logging.getLogger(__name__)


# Time limits (settings, Celery block): at the soft one the service ends the work itself (a validation ends
# invalid with a sentence); the hard one kills the child process, and the lease's takeover counts it.
@shared_task(
    name=VALIDATE_SUBMISSION,
    soft_time_limit=settings.VALIDATION_SOFT_TIME_LIMIT,
    time_limit=settings.VALIDATION_TIME_LIMIT,
)
def validate_submission(submission_id: int) -> None:
    submission_validate(submission_id=submission_id)


@shared_task(
    name=PUBLISH_SUBMISSION,
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=settings.PUBLICATION_SOFT_TIME_LIMIT,
    time_limit=settings.PUBLICATION_TIME_LIMIT,
)
def publish_submission(self: Task, submission_id: int) -> None:
    # At the last attempt a lock or statement timeout also settles it (back to review), never left approved.
    observations_publish(submission_id=submission_id, last_attempt=self.request.retries >= (self.max_retries or 0))
    enqueue(BUILD_BULK_DOWNLOADS)  # a release public at publication: its bulk files, before a visitor asks


@shared_task(name=DAILY_ROUND_DUTIES)
def daily_round_duties() -> None:
    """Run every morning by django-celery-beat (the schedule is edited in the Django admin): open the
    rounds whose day has come, then send the deadline reminders due today."""
    opened = rounds_due_to_open()
    sent = reminders_send()
    logger.info("daily round duties: %s round(s) opened, %s reminder(s) sent", len(opened), sent)


@shared_task(name=SWEEP_WAITING_WORK)
def sweep_waiting_work() -> None:
    """Every minute from django-celery-beat (migration 0018): a message lost while the broker was down, or
    left by a worker that died, must not leave a submission waiting for ever. Re-sends the work of every
    submission waiting past SWEEP_DELAY that nobody holds a live lease on (submissions/lease.py)."""
    sent = work_resend(delay=settings.SWEEP_DELAY)
    if sent:
        logger.info("sweep: %s waiting submission(s) re-sent", sent)


@worker_ready.connect
def resume_unfinished_work(**kwargs: object) -> None:
    """On start, the sweep without its delay: what waited while no worker ran is sent at once. Work another
    live worker holds is left to it (its lease), so a second worker starting never runs it twice."""
    sent = work_resend(delay=0)
    logger.info("worker ready: %s waiting submission(s) re-sent", sent)


@shared_task(name=BUILD_BULK_DOWNLOADS)
def build_bulk_downloads() -> None:
    """After each publication, and every minute from django-celery-beat (so within a minute of a scheduled
    release's moment): the bulk files of the public state now, built ahead of the first visitor. Nothing
    depends on it for correctness (a download builds what is missing); once built it only checks."""
    count = bulk_files_build()
    if count is None:
        logger.info("bulk downloads: another worker is building them; this request is covered by it")
        return
    logger.info("bulk downloads: %s file(s) of the current public state ready", count)


@shared_task(name=BUILD_ANNOTATED_COPY)
def build_annotated_copy(submission_id: int) -> None:
    """After each validation: the file with its problems marked, made here rather than in a web request."""
    annotated_copy_build(submission_id=submission_id)


@shared_task(name=MAIL_SUBMISSION_STATUS)
def mail_submission_status(submission_id: int, status: str) -> None:
    """On the mail queue: the mail of a submission that reached `status`, to the people it concerns."""
    submission_status_notify(submission_id, status)


@shared_task(name=MAIL_ROUND_OPENED)
def mail_round_opened(round_id: int) -> None:
    """On the mail queue: the mail of a round that opened, to its countries' focal points."""
    round_opened_notify(round_id)
