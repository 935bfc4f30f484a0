"""The Celery app: `celery -A ilms_portal worker` starts a worker that does every kind of work; `-Q ilms.validation`
(or ilms.publication, ilms.mail, ilms for the periodic duties) one that does only that kind (README, "Scaling
out"). Each task's queue is chosen by collection/lib/queue.py (CELERY_TASK_ROUTES)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilms_portal.settings")

app = Celery("ilms_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
