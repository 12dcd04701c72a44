from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.db.models import Q

from .services import issue_certificate, list_enrolments_missing_a_certificate, record_failure

MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def issue_certificate_task(self, enrolment_id: int) -> None:
    """Issue one certificate (issue_certificate: safe to run twice).

    Transient errors (storage, database) are retried with exponential backoff; after the last
    retry the certificate is marked as needing attention (visible in the admin) instead of
    looping. A lost message is found again by reconcile_certificates_task.
    """
    try:
        issue_certificate(enrolment_id)
    except (OSError, DatabaseError) as error:
        give_up = self.request.retries >= MAX_RETRIES
        record_failure(enrolment_id, repr(error), give_up=give_up)
        if give_up:
            return
        raise self.retry(exc=error, countdown=min(2**self.request.retries * 5, 600)) from error


@shared_task
def reconcile_certificates_task(minutes: int = 5) -> int:
    """Enqueue issuing again for completed enrolments with no issued certificate after
    `minutes`: the database, not the broker, says what is pending. Returns how many."""
    ids = list(
        list_enrolments_missing_a_certificate(older_than=timedelta(minutes=minutes))
        .filter(Q(certificate__isnull=True) | Q(certificate__needs_attention=False))
        .values_list("pk", flat=True)
    )
    for enrolment_id in ids:
        issue_certificate_task.delay(enrolment_id)
    return len(ids)
