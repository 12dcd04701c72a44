"""The Celery application, configured from Django settings (the CELERY_* names).

With Django present, Celery's task class is DjangoTask, so `task.delay_on_commit(...)` enqueues
only once the surrounding transaction has committed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elearn.settings")

app = Celery("elearn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
