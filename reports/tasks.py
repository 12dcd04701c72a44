"""The reports app's tasks, where Celery's autodiscovery looks for them."""

from .exports.tasks import (  # noqa: F401
    purge_expired_exports_task,
    resume_stalled_exports_task,
    run_export_task,
    send_export_ready_email_task,
)
