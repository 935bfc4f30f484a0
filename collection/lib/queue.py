"""Work for the Celery workers, sent by the task's registered name once the transaction has committed, to the
queue of its kind (validation, publication, mail, or the periodic duties), so that each kind can have workers of
its own on machines of its own (README, "Scaling out").

The stages enqueue through here, so no stage imports the task module (which imports the stages)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

VALIDATE_SUBMISSION = "collection.validate_submission"
PUBLISH_SUBMISSION = "collection.publish_submission"
DAILY_ROUND_DUTIES = "collection.daily_round_duties"
BUILD_BULK_DOWNLOADS = "collection.build_bulk_downloads"
BUILD_ANNOTATED_COPY = "collection.build_annotated_copy"
SWEEP_WAITING_WORK = "collection.sweep_waiting_work"
MAIL_SUBMISSION_STATUS = "collection.mail_submission_status"
MAIL_ROUND_OPENED = "collection.mail_round_opened"

# The kinds of work, each a queue named after the portal's base queue (CELERY_QUEUE, "ilms"): "ilms.validation",
# "ilms.publication", "ilms.mail" (settings.QUEUE_KINDS). The other periodic duties (the sweeper, the bulk files)
# and any task not named here stay on the base queue itself, as every task did before the queues were split, so
# a message sent by an older portal is still taken.
VALIDATION, PUBLICATION, MAIL = "validation", "publication", "mail"
KINDS = (VALIDATION, PUBLICATION, MAIL)
KIND_OF_TASK = {
    VALIDATE_SUBMISSION: VALIDATION,
    BUILD_ANNOTATED_COPY: VALIDATION,  # a validation's follow-up, reading the same file
    PUBLISH_SUBMISSION: PUBLICATION,
    MAIL_SUBMISSION_STATUS: MAIL,
    MAIL_ROUND_OPENED: MAIL,
    DAILY_ROUND_DUTIES: MAIL,  # the reminders: a slow mail server must not hold the sweeper on the base queue
}


def queue_name(kind: str | None, base: str | None = None) -> str:
    """The queue of a kind of work (None: the base queue, the periodic duties'), under `base` or the app's
    default queue as it is now (the test suite changes it while running, so it is read at each send)."""
    base = base or current_app.conf.task_default_queue
    return f"{base}.{kind}" if kind else base


def queue_names(base: str | None = None) -> list[str]:
    """Every queue of the portal: what a worker that does all the work consumes."""
    return [queue_name(kind, base) for kind in KINDS] + [queue_name(None, base)]


def task_route(name: str, args: object, kwargs: object, options: dict[str, Any], **kw: object) -> dict[str, str] | None:
    """Celery's router (CELERY_TASK_ROUTES): each task to its kind's queue. Re-sent work (the sweeper, a worker
    starting) is sent by name through here too, so it goes back to the same queue."""
    kind = KIND_OF_TASK.get(name)
    return {"queue": queue_name(kind)} if kind else None


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


def mail_later(task_name: str, *args: Any, here: Callable[..., object]) -> None:
    """Mail goes to the mail queue, so a slow or failing mail server holds neither a web request nor a validation
    or publication worker. No sweeper re-sends mail, so a broker that does not answer has it sent here, at once,
    as before the queues were split; so does MAIL_BY_WORKER=false (the test suite reads mail in-process)."""
    if not (settings.MAIL_BY_WORKER and send(task_name, *args)):
        here(*args)
