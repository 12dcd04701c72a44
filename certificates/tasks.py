from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.db.models import Q

from .services import (
    claim_new_certificates,
    issue_certificate,
    issue_claimed_certificates,
    list_certificates_not_emailed,
    list_enrolments_missing_a_certificate,
    list_stalled_batches,
    record_failure,
    run_certificate_batch,
    send_certificate_email,
    send_certificate_emails,
)
from .services.together import TOGETHER, wake_certificate_issuing_if_lost

MAX_RETRIES = 5
# The sweep's threshold: pending longer than this, a completion or a request to issue was
# lost, not merely on its way (the normal path takes seconds). Beat runs the sweep every 30
# seconds (settings), so what a lost message leaves is issued within about 90 seconds.
SWEEP_AFTER_MINUTES = 1
# Emails are not urgent: the sweep leaves them to the email task's own retries for longer.
EMAILS_SWEPT_AFTER = timedelta(minutes=5)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def issue_certificate_task(self, enrolment_id: int) -> None:
    """Issue one certificate (issue_certificate: safe to run twice).

    Transient errors (storage, database) are retried with exponential backoff; after the last
    retry the certificate is marked as needing attention (visible in the admin) instead of
    looping. A lost message is found again by reconcile_certificates_task, which enqueues this
    task for completions still without an issued certificate after a minute (at a worker's
    start, at once).
    """
    try:
        issue_certificate(enrolment_id)
    except (OSError, DatabaseError) as error:
        give_up = self.request.retries >= MAX_RETRIES
        record_failure(enrolment_id, repr(error), give_up=give_up)
        if give_up:
            return
        raise self.retry(exc=error, countdown=min(2**self.request.retries * 5, 600)) from error
    except Exception as error:
        # Not transient (bad data, a bug): retrying cannot help, so a person must look.
        record_failure(enrolment_id, repr(error), give_up=True)
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True)
def issue_new_certificates_task() -> int:
    """Issue a batch of new completions' certificates (services.together); returns how many.

    A full batch may leave more behind: the next batch is enqueued before this one is
    rendered, so that another worker can take it meanwhile. A certificate that failed in the
    batch is handed to issue_certificate_task, after the first step of its backoff, for its
    retries and delivery limit. A killed batch leaves pending records or completions without
    one, which reconcile_certificates_task finds.
    """
    certificates = claim_new_certificates()
    if len(certificates) == TOGETHER:
        issue_new_certificates_task.delay()
    issued = {c.pk for c in issue_claimed_certificates(certificates)}
    for certificate in certificates:
        if certificate.pk not in issued:
            issue_certificate_task.apply_async((certificate.enrolment_id,), countdown=5)
    return len(issued)


@shared_task
def reconcile_certificates_task(minutes: int = SWEEP_AFTER_MINUTES) -> int:
    """Enqueue issuing again for what the database, not the broker, says is pending: a request
    to issue not started after `minutes` (asked again), completed enrolments with no issued
    certificate after `minutes`, stalled cohort batches, and the emails of certificates issued
    EMAILS_SWEPT_AFTER ago or more (within a day) whose participant was not told. With
    minutes=0 (at a worker's start), everything pending whatever its age. Returns how many
    certificates."""
    older_than = timedelta(minutes=minutes)
    wake_certificate_issuing_if_lost(older_than=older_than)
    ids = list(
        list_enrolments_missing_a_certificate(older_than=older_than)
        .filter(Q(certificate__isnull=True) | Q(certificate__needs_attention=False))
        .values_list("pk", flat=True)
    )
    for enrolment_id in ids:
        issue_certificate_task.delay(enrolment_id)
    for batch_id in list_stalled_batches().values_list("pk", flat=True):
        run_certificate_batch_task.delay(batch_id)
    not_emailed = list(
        list_certificates_not_emailed(older_than=EMAILS_SWEPT_AFTER).values_list("pk", flat=True)
    )
    if not_emailed:
        send_certificate_emails_task.delay(not_emailed)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_certificate_batch_task(batch_id: int) -> None:
    """Do the next chunk of a cohort's certificate batch, then enqueue the chunk after it.
    A lost or killed chunk is picked up again by reconcile_certificates_task."""
    if run_certificate_batch(batch_id):
        run_certificate_batch_task.delay(batch_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_certificate_email_task(certificate_id: int) -> None:
    """Email the participant that their certificate is ready (safe to run twice)."""
    send_certificate_email(certificate_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_certificate_emails_task(certificate_ids: list[int]) -> None:
    """Email the participants of certificates issued together (safe to run twice: each is
    emailed once, so a retry after a failure sends only those not sent yet)."""
    send_certificate_emails(certificate_ids)
