"""The Celery app: `celery -A ilms_portal worker` starts a worker that validates and publishes."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilms_portal.settings")

app = Celery("ilms_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
