"""The Celery application, configured from Django settings (the CELERY_* names).

With Django present, Celery's task class is DjangoTask, so `task.delay_on_commit(...)` enqueues
only once the surrounding transaction has committed.
"""

import os
from pathlib import Path

from celery import Celery, beat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elearn.settings")

app = Celery("elearn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class PersistentScheduler(beat.PersistentScheduler):
    """Celery beat's own scheduler, making the folder of its schedule file first (settings
    make none). Selected by settings.CELERY_BEAT_SCHEDULER."""

    def setup_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
