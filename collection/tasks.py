"""Celery tasks: another interface to the services. They take an id, call the service, and decide nothing."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .publication import observations_publish
from .validation.report import submission_validate


@shared_task(name="collection.validate_submission")
def validate_submission(submission_id: int) -> None:
    submission_validate(submission_id=submission_id)


@shared_task(name="collection.publish_submission", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def publish_submission(submission_id: int) -> None:
    observations_publish(submission_id=submission_id)
