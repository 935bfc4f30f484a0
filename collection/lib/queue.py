"""Work for the Celery worker, sent by the task's registered name once the transaction has committed.

The stages enqueue through here, so no stage imports the task module (which imports the stages)."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

VALIDATE_SUBMISSION = "collection.validate_submission"
PUBLISH_SUBMISSION = "collection.publish_submission"
DAILY_ROUND_DUTIES = "collection.daily_round_duties"
BUILD_BULK_DOWNLOADS = "collection.build_bulk_downloads"
BUILD_ANNOTATED_COPY = "collection.build_annotated_copy"


def enqueue(task_name: str, *args: object) -> None:
    """Send the task after commit, so the worker sees the rows it is asked about (a failed send is logged by
    Django's robust on_commit and resumed by the worker's start)."""
    transaction.on_commit(lambda: current_app.send_task(task_name, args=args), robust=True)
