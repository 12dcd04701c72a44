"""Work on all certificates of a cohort at once, in the background: issue what is missing (when a
cohort closes, say), re-issue with the current names and template, build one ZIP.

A batch is a row (CertificateBatch) worked through in chunks of CHUNK items in id order, so no
request waits for it, no task runs for long, and memory holds one chunk (or, for a ZIP, one PDF)
at a time. Issuing and re-issuing chunks are run by the one issuing task,
`issue_certificates_task([], batch=id)`, which enqueues itself for the next chunk; a ZIP, which
issues nothing, by `build_certificate_archive_task`. Each chunk is taken under a lease
(`claimed_until`): two deliveries of the same message do not work on a batch at once, and a
worker killed mid-chunk only delays it until the lease runs out and the sweep hands it on.
Every item is idempotent (issuing and re-issuing are), so a chunk done twice is only time lost.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
import zipfile
from datetime import timedelta
from typing import NamedTuple

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.exceptions import NotAllowed
from courses.models import Cohort, Enrolment, EnrolmentStatus

from ..models import (
    UNFINISHED_BATCH,
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateStatus,
)
from ..selectors import can_start_batch
from .issuing import IssuingOutcome, issue_certificates, verification_url
from .storage import building, publish

logger = logging.getLogger(__name__)

CHUNK = 50  # items per task: a few seconds of rendering
LEASE = timedelta(minutes=2)  # how long a worker holds a batch for one chunk
STALLED_AFTER = timedelta(minutes=5)  # unfinished, unclaimed and untouched this long: resume it


def start_certificate_batch(cohort: Cohort, *, kind: str, by: User | None) -> CertificateBatch:
    """Start work on the cohort's certificates in the background, or return the unfinished
    batch of the same kind (pressing twice starts it once). The task is enqueued after commit.
    `by` None is the platform itself (a cohort closing)."""
    if kind not in BatchKind.values:
        raise ValueError(f"unknown batch kind {kind!r}")
    if kind == BatchKind.ISSUE and cohort.holds_certificates:
        raise NotAllowed(_("This cohort's certificates are issued when it closes."))
    if by is not None and not can_start_batch(by, cohort, kind):
        raise NotAllowed()
    total = _items(cohort, kind).count()
    try:
        with transaction.atomic():
            batch = CertificateBatch.objects.create(
                cohort=cohort, kind=kind, requested_by=by, total=total
            )
            transaction.on_commit(lambda: enqueue_certificate_batch(batch))
    except IntegrityError:  # one of this kind is unfinished: that is the one
        return CertificateBatch.objects.get(cohort=cohort, kind=kind, status__in=UNFINISHED_BATCH)
    return batch


class ChunkDone(NamedTuple):
    """What issue_batch_chunk did: how many certificates it issued or re-issued, and whether
    work is left (the caller enqueues the next chunk)."""

    issued: int
    more: bool


def issue_batch_chunk(batch_id: int) -> ChunkDone:
    """Issue (or re-issue) the next chunk of an issuing batch with issue_certificates, if no
    other worker holds the batch, and record how far it is. A failed certificate does not stop
    the chunk: it keeps its own state (a pending one is the sweep's to retry) and is counted."""
    batch = _claim(batch_id, kinds=[BatchKind.ISSUE, BatchKind.REISSUE])
    if batch is None:
        return ChunkDone(0, more=False)
    items = _items(batch.cohort, batch.kind)
    ids = list(
        items.filter(pk__gt=batch.cursor).order_by("pk").values_list("pk", flat=True)[:CHUNK]
    )
    outcome = _issue_chunk(batch, ids)
    cursor = ids[-1] if ids else batch.cursor
    finished = len(ids) < CHUNK
    # Progress from what is left past the cursor, not from a running count: a chunk cut short
    # by a killed worker did part of its items, which then no longer count as left.
    left = 0 if finished else items.filter(pk__gt=cursor).count()
    total = max(batch.total, batch.done + len(ids) + left)  # completions meanwhile count too
    progress = {"cursor": cursor, "done": total - left, "total": total,
                "failed": F("failed") + len(outcome.failed)}  # fmt: skip
    if finished:
        batch.finish(**progress)
        return ChunkDone(len(outcome.issued), more=False)
    # Only while this worker still holds the lease (as finish): a chunk slower than the lease
    # may have been taken over meanwhile, and the worker that took it records the chunk (and
    # its failures).
    CertificateBatch.objects.filter(pk=batch.pk, claimed_until=batch.claimed_until).update(
        **progress, claimed_until=None, updated_at=timezone.now()
    )
    return ChunkDone(len(outcome.issued), more=True)


def build_certificate_archive(batch_id: int) -> None:
    """Build a ZIP batch's archive, if no other worker holds the batch."""
    batch = _claim(batch_id, kinds=[BatchKind.ARCHIVE])
    if batch is not None:
        _build_archive(batch)


def enqueue_certificate_batch(batch: CertificateBatch) -> None:
    """Hand a batch to a worker: its next chunk to the issuing task, or its ZIP to be built.
    At its start (after commit) and by the sweep, for a batch that stalled."""
    from ..tasks import build_certificate_archive_task, issue_certificates_task  # they import us

    if batch.kind == BatchKind.ARCHIVE:
        build_certificate_archive_task.delay(batch.pk)
    else:
        issue_certificates_task.delay([], batch=batch.pk)


def list_stalled_batches() -> QuerySet[CertificateBatch]:
    """Unfinished batches nobody holds and nothing has touched for a while: their message was
    lost (an embedded broker, a killed worker). The sweep enqueues them again."""
    now = timezone.now()
    return CertificateBatch.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status__in=UNFINISHED_BATCH,
        updated_at__lt=now - STALLED_AFTER,
    )


def summarise_cohort_certificates(cohort: Cohort) -> dict[str, int]:
    """How the cohort's completions stand: completed, issued, revoked, being issued, needing
    attention, and completions with no certificate yet. One query."""
    completed = Q(status=EnrolmentStatus.COMPLETED)
    return Enrolment.objects.filter(cohort=cohort).aggregate(
        completed=Count("pk", filter=completed),
        issued=Count("pk", filter=completed & Q(certificate__status=CertificateStatus.ISSUED)),
        revoked=Count("pk", filter=completed & Q(certificate__status=CertificateStatus.REVOKED)),
        pending=Count("pk", filter=completed & Q(certificate__status=CertificateStatus.PENDING)),
        needs_attention=Count("pk", filter=completed & Q(certificate__needs_attention=True)),
        missing=Count("pk", filter=completed & Q(certificate__isnull=True)),
    )


def _items(cohort: Cohort, kind: str) -> QuerySet:
    """What a batch works through, in id order: completed enrolments with no valid or revoked
    certificate (issue), or the cohort's issued certificates (re-issue, ZIP)."""
    if kind == BatchKind.ISSUE:
        if cohort.holds_certificates:  # waiting for the cohort to close
            return Enrolment.objects.none()
        return Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.COMPLETED).exclude(
            certificate__status__in=[CertificateStatus.ISSUED, CertificateStatus.REVOKED]
        )
    return Certificate.objects.filter(enrolment__cohort=cohort, status=CertificateStatus.ISSUED)


def _claim(batch_id: int, *, kinds: list[str]) -> CertificateBatch | None:
    """Take the lease on an unfinished batch of one of these kinds nobody holds; None if
    finished, held or of another kind."""
    now = timezone.now()
    claimed = (
        CertificateBatch.objects.filter(pk=batch_id, status__in=UNFINISHED_BATCH, kind__in=kinds)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE, status=BatchStatus.RUNNING, updated_at=now)
    )
    if not claimed:
        return None
    return CertificateBatch.objects.select_related("cohort", "requested_by").get(pk=batch_id)


def _issue_chunk(batch: CertificateBatch, item_ids: list[int]) -> IssuingOutcome:
    """Issue (or re-issue) a chunk's certificates together with issue_certificates."""
    if batch.kind == BatchKind.ISSUE:
        outcome = issue_certificates(item_ids)
    else:
        enrolment_ids = Certificate.objects.filter(pk__in=item_ids).values_list(
            "enrolment_id", flat=True
        )
        outcome = issue_certificates(enrolment_ids, reissue=True, by=batch.requested_by)
    for enrolment_id in outcome.failed:
        logger.error("certificate batch %s: enrolment %s failed", batch.pk, enrolment_id)
    return outcome


_UNSAFE_IN_FILE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def _archive_member_name(certificate: Certificate) -> str:
    """`Name Surname - CODE.pdf`: names as written (any script); the code makes it unique."""
    name = _UNSAFE_IN_FILE_NAME.sub(" ", certificate.participant_name)
    name = " ".join(name.split())[:80] or "certificate"
    return f"{name} - {certificate.code}.pdf"


def _build_archive(batch: CertificateBatch) -> None:
    """Write every issued certificate of the cohort, one PDF at a time, into a ZIP with an
    index (certificates.csv), store it, and drop the cohort's earlier ZIPs. PDFs are stored
    uncompressed in the ZIP: they are compressed already."""
    certificates = (
        _items(batch.cohort, BatchKind.ARCHIVE)
        .only("code", "participant_name", "completed_on", "issued_at", "pdf")
        .order_by("participant_name", "pk")
    )
    total = certificates.count()
    CertificateBatch.objects.filter(pk=batch.pk).update(total=total, done=0, failed=0)
    name = f"certificate-archives/cohort-{batch.cohort_id}-{batch.pk}.zip"
    index = io.StringIO()
    rows = csv.writer(index)
    rows.writerow(["name", "verification code", "completed on", "verification URL", "file"])
    done = failed = 0
    try:
        with building(name) as (handle, path):
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                for certificate in certificates.iterator(chunk_size=200):
                    member = _archive_member_name(certificate)
                    try:
                        issued = timezone.localtime(certificate.issued_at)
                        entry = zipfile.ZipInfo(member, date_time=issued.timetuple()[:6])
                        with (
                            certificate.pdf.open("rb") as source,
                            archive.open(entry, "w") as target,
                        ):
                            shutil.copyfileobj(source, target, 64 * 1024)
                    except OSError:
                        logger.exception("certificate ZIP %s: %s unreadable", batch.pk, member)
                        failed += 1
                        member = ""
                    rows.writerow([
                        certificate.participant_name,
                        certificate.code,
                        certificate.completed_on.isoformat(),
                        verification_url(certificate.code),
                        member,
                    ])  # fmt: skip
                    done += 1
                    if done % CHUNK == 0:  # progress, and the lease kept
                        _report(batch, done=done, failed=failed)
                archive.writestr("certificates.csv", "\ufeff" + index.getvalue())
            stored = publish(name, handle, path)
    except OSError as error:
        logger.exception("certificate ZIP %s failed", batch.pk)
        batch.finish(error=repr(error))
        return
    earlier = list(
        CertificateBatch.objects.filter(cohort_id=batch.cohort_id, kind=BatchKind.ARCHIVE)
        .exclude(pk=batch.pk)
        .exclude(archive="")
    )
    batch.finish(archive=stored, total=total, done=done, failed=failed)
    for old in earlier:  # one ZIP per cohort is kept: the newest
        default_storage.delete(old.archive.name)
        CertificateBatch.objects.filter(pk=old.pk).update(archive="")


def _report(batch: CertificateBatch, *, done: int, failed: int) -> None:
    now = timezone.now()
    batch.claimed_until = now + LEASE  # the lease it holds, which finish checks
    CertificateBatch.objects.filter(pk=batch.pk).update(
        done=done, failed=failed, claimed_until=batch.claimed_until, updated_at=now
    )
