from datetime import timedelta

from celery import shared_task
from django.db.models import Q

from .services import (
    MAX_ATTEMPTS,
    build_certificate_archive,
    enqueue_certificate_batch,
    issue_batch_chunk,
    issue_certificates,
    list_certificates_not_emailed,
    list_enrolments_missing_a_certificate,
    list_stalled_batches,
    send_certificate_emails,
    take_waiting_completions,
)

BATCH = 50  # certificates one task issues at most: about a quarter of a second of renders
MAX_RETRIES = MAX_ATTEMPTS - 1  # then the certificate needs attention (issue_certificates)
# The sweep's threshold: pending longer than this, a completion or a request to issue was
# lost, not merely on its way (the normal path takes seconds). Beat runs the sweep every 30
# seconds (settings), so what a lost message leaves is issued within about 90 seconds.
SWEEP_AFTER_MINUTES = 1
# Emails are not urgent: the sweep leaves them to the email task's own retries for longer.
EMAILS_SWEPT_AFTER = timedelta(minutes=5)


class CertificatesNotIssued(Exception):
    """Some certificates failed for a reason that may pass (storage, database): retry."""


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(CertificatesNotIssued,),
    max_retries=MAX_RETRIES,
    retry_backoff=5,  # 5, 10, 20, 40, 80 seconds
    retry_backoff_max=600,
    retry_jitter=False,
)
def issue_certificates_task(
    enrolment_ids: list[int], *, after: int = 0, batch: int | None = None
) -> int:
    """The one task that issues certificates, around issue_certificates. Returns how many this
    run issued (or re-issued).

    For a completion, the sweep and their retries: issue these enrolments' certificates and, up
    to BATCH in all, new completions waiting for theirs (above the enrolment id `after`): a
    burst of completions sends one message (services.waiting). If more are waiting, the next
    batch (those after the last taken) is enqueued before this one renders, so another worker
    can take it meanwhile. Failures that may pass are retried with exponential backoff (the
    retry takes them again as waiting: their last try failed) until issue_certificates gives up
    on them.

    With `batch`, the next chunk of a cohort's batch (issue what is missing, or re-issue):
    taken under the batch's lease, then the chunk after it enqueued. A chunk's failures are
    counted on the batch; pending ones are the sweep's to retry.

    Safe to run twice (issue_certificates). A lost or killed message is found again by
    reconcile_certificates_task: the database says what is pending.
    """
    if batch is not None:
        chunk = issue_batch_chunk(batch)
        if chunk.more:
            issue_certificates_task.delay([], batch=batch)
        return chunk.issued
    room = BATCH - len(enrolment_ids)
    waiting = take_waiting_completions(room, besides=enrolment_ids, after=after) if room > 0 else []
    if room > 0 and len(waiting) == room:
        issue_certificates_task.delay([], after=waiting[-1])
    outcome = issue_certificates([*enrolment_ids, *waiting])
    if outcome.to_retry:
        raise CertificatesNotIssued(outcome.to_retry)
    return len(outcome.issued)


@shared_task
def reconcile_certificates_task(minutes: int = SWEEP_AFTER_MINUTES) -> int:
    """Enqueue issuing again for what the database, not the broker, says is pending: completed
    enrolments with no issued certificate after `minutes` (not those needing attention),
    stalled cohort batches, and the emails of certificates issued EMAILS_SWEPT_AFTER ago or
    more (within a day) whose participant was not told. With minutes=0 (at a worker's start),
    everything pending whatever its age. Returns how many certificates."""
    ids = list(
        list_enrolments_missing_a_certificate(older_than=timedelta(minutes=minutes))
        .filter(Q(certificate__isnull=True) | Q(certificate__needs_attention=False))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        issue_certificates_task.delay(ids[start : start + BATCH])
    for batch in list_stalled_batches().only("pk", "kind"):
        enqueue_certificate_batch(batch)
    not_emailed = list(
        list_certificates_not_emailed(older_than=EMAILS_SWEPT_AFTER).values_list("pk", flat=True)
    )
    if not_emailed:
        send_certificate_emails_task.delay(not_emailed)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_certificate_archive_task(batch_id: int) -> None:
    """Build a cohort's ZIP of certificates (a batch of that kind). A lost or killed build is
    picked up again by reconcile_certificates_task."""
    build_certificate_archive(batch_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_certificate_emails_task(certificate_ids: list[int]) -> None:
    """Email the participants of certificates just issued (safe to run twice: each is emailed
    once, so a retry after a failure sends only those not sent yet)."""
    send_certificate_emails(certificate_ids)
