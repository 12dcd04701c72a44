"""New completions' certificates, issued together: one message, a few statements per batch.

A completion does not enqueue a task of its own. It asks for a worker through a single row
(`IssuingWakeup`) unless one was asked and has not started yet, so a burst of completions (a
cohort finishing on its last day, a deadline) sends one message, not hundreds. The worker then
reads what is new from the database: completions of the last few minutes with no certificate,
TOGETHER at a time, each batch in three statements (select and insert in one transaction,
then one UPDATE for all), with one render and one stored file per certificate and one email
task per batch. One completion on its own is issued as soon as it is done, as before.

A certificate that fails to render or store here is counted and left pending; the task hands
it to issue_certificate's own path, with its retries. What the messages miss, the sweep
(reconcile_certificates_task) finds: completions older than a minute (at a worker's start,
all of them) with no issued certificate get that path too, and a request not started for as
long is asked again. That covers a lost or killed message and records a killed batch left
pending.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus

from ..models import Certificate, CertificateStatus, IssuingWakeup
from .issuing import (
    _issued_fields,
    _logo_of,
    _record_for,
    _render,
    _store,
    _template_of,
    record_failure,
)

logger = logging.getLogger(__name__)

TOGETHER = 50  # certificates in one batch at most: about a quarter of a second of renders
RECENT = timedelta(minutes=10)  # older completions with no certificate are the sweep's
WAKEUP_EXPIRES = timedelta(minutes=1)  # a request not started by then is asked again


def wake_certificate_issuing() -> bool:
    """Ask a worker to issue new certificates, unless one was asked and has not started yet
    (or was asked more than WAKEUP_EXPIRES ago: its message may be lost). True if this call
    asked.

    Reads first: in a burst only the first completion writes (an upsert of the single row that
    only writes when it asks), the others read a request not started yet and leave it. A worker
    marks the request started before it reads what is new, so a completion committed before
    it read "requested" is seen by that worker.
    """
    now = timezone.now()
    requested = IssuingWakeup.objects.filter(pk=1).values_list("requested_at", flat=True).first()
    if requested is not None and requested >= now - WAKEUP_EXPIRES:
        return False
    quote = connection.ops.quote_name
    table, pk = quote(IssuingWakeup._meta.db_table), quote(IssuingWakeup._meta.pk.column)
    field = IssuingWakeup._meta.get_field("requested_at")
    column = quote(field.column)
    sql = (
        f"INSERT INTO {table} ({pk}, {column}) VALUES (1, %s) "  # noqa: S608 - model names
        f"ON CONFLICT ({pk}) DO UPDATE SET {column} = excluded.{column} "
        f"WHERE {table}.{column} IS NULL OR {table}.{column} < %s RETURNING {pk}"
    )
    params = [field.get_db_prep_value(t, connection) for t in (now, now - WAKEUP_EXPIRES)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        asked = cursor.fetchone() is not None
    if asked:
        transaction.on_commit(_enqueue_issuing)
    return asked


def wake_certificate_issuing_if_lost(*, older_than: timedelta) -> bool:
    """Ask a worker again if one was asked more than `older_than` ago and has not started: its
    message was lost (held by a killed worker, dropped by the broker), and completions since
    then did not ask. True if this call asked. For the sweep: one conditional UPDATE (workers
    starting together may each ask; a batch with nothing left to claim is two statements)."""
    now = timezone.now()
    asked = IssuingWakeup.objects.filter(pk=1, requested_at__lt=now - older_than).update(
        requested_at=now
    )
    if asked:
        transaction.on_commit(_enqueue_issuing)
    return bool(asked)


def _enqueue_issuing() -> None:
    from ..tasks import issue_new_certificates_task  # the tasks module imports this one

    issue_new_certificates_task.delay()


def claim_new_certificates() -> list[Certificate]:
    """Create the records of up to TOGETHER recent completions with none (except in cohorts
    holding their certificates until they close), and return them, pending, to be issued by
    issue_claimed_certificates. Marks the wake-up request as started first, so a completion
    that comes after this read asks again."""
    IssuingWakeup.objects.filter(pk=1).update(requested_at=None)
    return _claim(Q(completed_at__gte=timezone.now() - RECENT), limit=TOGETHER)


def claim_certificates_of(enrolment_ids: list[int]) -> list[Certificate]:
    """Create the records of those of these enrolments that are completed and have none
    (except in cohorts holding their certificates), and return them, pending, to be issued by
    issue_claimed_certificates: a cohort batch's chunk."""
    return _claim(Q(pk__in=enrolment_ids), limit=None)


def _claim(which: Q, *, limit: int | None) -> list[Certificate]:
    """One read and one insert, in one transaction. On PostgreSQL the enrolments read are
    locked while their records are created (SKIP LOCKED), so two workers claiming at once take
    different completions."""
    try:
        with transaction.atomic():
            enrolments = (
                Enrolment.objects.select_related("user", "course__certificate_template", "cohort")
                .filter(which, status=EnrolmentStatus.COMPLETED, certificate__isnull=True)
                .exclude(cohort__certificates_at_close=True, cohort__closed_at__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("completed_at", "pk")
            )
            if limit is not None:
                enrolments = enrolments[:limit]
            return Certificate.objects.bulk_create(
                [_record_for(e, _template_of(e.course)) for e in enrolments]
            )
    except IntegrityError:  # a record created meanwhile by issue_certificate's own path
        return []


def issue_claimed_certificates(certificates: list[Certificate]) -> list[Certificate]:
    """Render and store each claimed record's PDF, then mark them issued together and have
    the participants emailed (one task). Returns those issued. One that fails to render or
    store is logged, counted, and left pending (for its own task's retries, or the sweep); the
    others are issued.

    Files are written by a second thread while the next certificate renders: writing and
    syncing a file waits on the disk, not on the processor (the renderer itself stays on this
    thread, one per process).
    """
    logos: dict[int, bytes | None] = {}  # read once per template, not once per certificate
    stored = []
    for certificate in certificates:
        template = _template_of(certificate.enrolment.course)
        if template is not None and template.pk not in logos:
            logos[template.pk] = _logo_of(template)
        try:
            rendered = _render(
                certificate, template, logos[template.pk] if template is not None else None
            )
        except Exception as error:
            _not_issued(certificate, error)
            continue
        stored.append((certificate, rendered, _files_thread().submit(_store, rendered)))
    issued = []
    for certificate, rendered, name in stored:
        try:
            fields = _issued_fields(rendered, name.result())
        except Exception as error:
            _not_issued(certificate, error)
            continue
        for field_name, value in fields.items():
            setattr(certificate, field_name, value)
        issued.append(certificate)
    _mark_issued(issued)
    ids = [c.pk for c in issued]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))
    return issued


@cache
def _files_thread() -> ThreadPoolExecutor:
    """This process's thread for writing certificate files, started on first use (in a Celery
    prefork child, after the fork). It lives as long as the process, so a storage client that
    keeps a connection per thread (S3) keeps it from one batch to the next."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="certificate-files")


def _not_issued(certificate: Certificate, error: Exception) -> None:
    logger.error(
        "certificate %s not issued with its batch; retried on its own",
        certificate.code,
        exc_info=error,
    )
    record_failure(certificate.enrolment_id, repr(error), give_up=False)


def _mark_issued(certificates: list[Certificate]) -> None:
    """Mark rendered records issued, each only if still pending (issue_certificate's own path
    may have issued one meanwhile: the same content, so the same file), in one round trip.

    Written by hand: the ORM's bulk_update builds a CASE per column and row, which took longer
    than the rest of a batch's statements together. executemany of one plain UPDATE is sent
    in one go (a pipeline on PostgreSQL), in a single transaction.
    """
    if not certificates:
        return
    table, field = Certificate._meta.db_table, Certificate._meta.get_field
    sql = (
        f"UPDATE {table} SET {field('pdf').column} = %s, "  # noqa: S608 - names from the model
        f"{field('pdf_sha256').column} = %s, {field('status').column} = %s, "
        f"{field('issued_at').column} = %s "
        f"WHERE {field('id').column} = %s AND {field('status').column} = %s"
    )
    issued_at = field("issued_at")
    rows = [
        (
            c.pdf.name,
            c.pdf_sha256,
            CertificateStatus.ISSUED.value,
            issued_at.get_db_prep_value(c.issued_at, connection),
            c.pk,
            CertificateStatus.PENDING.value,
        )
        for c in certificates
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _enqueue_emails(certificate_ids: list[int]) -> None:
    from ..tasks import send_certificate_emails_task  # the tasks module imports this one

    send_certificate_emails_task.delay(certificate_ids)
