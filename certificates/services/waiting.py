"""New completions waiting for their certificates: a burst of them asks a worker once.

A completion asks for a worker through a single row (`IssuingWakeup`) unless one was asked and
has not started yet: that worker will take this completion with the others waiting, so a burst
(a cohort finishing on its last day, a deadline) sends one message, not hundreds. The row only
saves messages; what is waiting is read from the database (completed, no record yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus

from ..models import CertificateStatus, IssuingWakeup

RECENT = timedelta(minutes=10)  # older completions with no certificate are the sweep's
WAKEUP_EXPIRES = timedelta(minutes=1)  # a request not started by then is asked again


def request_certificate(enrolment_id: int) -> bool:
    """Ask a worker for a new completion's certificate, unless one was asked less than
    WAKEUP_EXPIRES ago and has not started yet (its message may be lost after that). True if
    this call asked: issue_certificates_task([enrolment_id]) is enqueued after commit.

    Reads first: in a burst only the first completion writes, the others read a request not
    started yet and leave it.
    """
    now = timezone.now()
    row = IssuingWakeup.objects.filter(pk=1).values("requested_at").first()
    if row is None:  # the first request ever
        _wakeup, asked = IssuingWakeup.objects.get_or_create(pk=1, defaults={"requested_at": now})
    elif row["requested_at"] is not None and row["requested_at"] >= now - WAKEUP_EXPIRES:
        return False
    else:
        not_asked = Q(requested_at__isnull=True) | Q(requested_at__lt=now - WAKEUP_EXPIRES)
        asked = bool(IssuingWakeup.objects.filter(not_asked, pk=1).update(requested_at=now))
    if asked:
        transaction.on_commit(lambda: _enqueue([enrolment_id]))
    return asked


def take_waiting_completions(
    limit: int, *, besides: Iterable[int] = (), after: int = 0
) -> list[int]:
    """Mark the request to issue started, then the ids, in order and above `after`, of up to
    `limit` recent completions waiting for their certificate, other than `besides`: with no
    record yet (except in cohorts holding theirs until they close), or whose last try failed
    and is to be tried again. A completion committed after this read asks again."""
    IssuingWakeup.objects.filter(pk=1, requested_at__isnull=False).update(requested_at=None)
    failed_before = Q(
        certificate__status=CertificateStatus.PENDING,
        certificate__attempts__gt=0,
        certificate__needs_attention=False,
    )
    waiting = (
        Enrolment.objects.filter(
            Q(certificate__isnull=True) | failed_before,
            status=EnrolmentStatus.COMPLETED,
            completed_at__gte=timezone.now() - RECENT,
            pk__gt=after,
        )
        .exclude(cohort__certificates_at_close=True, cohort__closed_at__isnull=True)
        .exclude(pk__in=list(besides))
        .order_by("pk")
    )
    return list(waiting.values_list("pk", flat=True)[:limit])


def _enqueue(enrolment_ids: list[int]) -> None:
    from ..tasks import issue_certificates_task  # the tasks module imports this one

    issue_certificates_task.delay(enrolment_ids)
