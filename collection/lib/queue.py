"""Work for the Celery worker, sent by the task's registered name once the transaction has committed.

The stages enqueue through here, so no stage imports the task module (which imports the stages)."""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

VALIDATE_SUBMISSION = "collection.validate_submission"
PUBLISH_SUBMISSION = "collection.publish_submission"
DAILY_ROUND_DUTIES = "collection.daily_round_duties"
BUILD_BULK_DOWNLOADS = "collection.build_bulk_downloads"
BUILD_ANNOTATED_COPY = "collection.build_annotated_copy"
SWEEP_WAITING_WORK = "collection.sweep_waiting_work"


def send(task_name: str, *args: object) -> bool:
    """Send the task now. A broker that does not answer fails within seconds (the publish retry policy and
    connection timeouts in settings) and is logged, never raised: the work's submission is still waiting in
    the database, and the sweeper (tasks.sweep_waiting_work) re-sends it once the broker is back."""
    try:
        current_app.send_task(task_name, args=args)
    except Exception:  # kombu's OperationalError, a refused or timed-out socket: the broker is not there
        logger.warning("could not send %s%s to the broker; the sweeper will re-send it", task_name, args, exc_info=True)
        return False
    return True


def enqueue(task_name: str, *args: object) -> None:
    """Send the task after commit, so the worker sees the rows it is asked about (a failed send loses nothing:
    see `send`)."""
    transaction.on_commit(lambda: send(task_name, *args))
