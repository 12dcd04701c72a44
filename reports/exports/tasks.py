"""Background work of exports (reports.exports.jobs): each task calls one service and is safe
to run twice. Registered with Celery through reports.tasks."""

from celery import shared_task

from .email import send_export_ready_email
from .jobs import (
    purge_expired_exports,
    record_export_failure,
    resume_stalled_exports,
    run_export,
)

MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def run_export_task(self, job_id: int) -> None:
    """Prepare an export's file (run_export: a no-op if it is finished or another worker holds
    it). Storage errors are retried with exponential backoff, then the job fails; a lost
    message or a killed worker is found again by resume_stalled_exports_task."""
    try:
        run_export(job_id)
    except OSError as error:
        if self.request.retries >= MAX_RETRIES:
            record_export_failure(job_id, repr(error))
            return
        raise self.retry(exc=error, countdown=min(2**self.request.retries * 10, 600)) from error


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_export_ready_email_task(job_id: int) -> None:
    """Email the requester that their export is ready (safe to run twice: sent once)."""
    send_export_ready_email(job_id)


@shared_task
def resume_stalled_exports_task() -> int:
    """The sweep: enqueue again the jobs and emails the broker lost (celery beat, every
    minute). Returns how many jobs."""
    return resume_stalled_exports()


@shared_task
def purge_expired_exports_task() -> int:
    """Delete the files of expired exports (celery beat, every hour)."""
    return purge_expired_exports()
