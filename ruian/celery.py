"""The Celery app: Redis carries messages, PostgreSQL keeps every deadline and escalation."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruian.settings")

app = Celery("ruian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
