"""Issuing certificates: the one pipeline every door goes through (a completion, the sweep, a
cohort's batch, a re-issue). For a list of enrolments, in three steps:

1. records: one read of the enrolments (locked on PostgreSQL, SKIP LOCKED, so two workers take
   different ones) and one insert of the records they lack, in one transaction. This is the only
   place records are created; a database constraint allows one per enrolment.
2. files: each PDF rendered outside any transaction and stored under a name derived from its
   content, atomically, by a second thread while the next one renders.
3. issued: the records marked issued together (Certificate.objects.mark_issued, the only write
   that does it: one locked read, one update) and, with a signing key configured, their Open
   Badges credentials signed and inserted in the same transaction (credentials/issuing.py);
   those this call moved are emailed by one task after commit.

Run twice, or by two workers at once, it issues each certificate once and emails it once; run
after a crash between the steps, it finishes the job.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus
from elearn.emails import absolute_url
from xapi.statements import record_certificates_earned

from ..credentials.issuing import issue_credentials
from ..models import Certificate, CertificateStatus, CertificateTemplate
from ..pdf import CertificateData, render_certificate
from .storage import store_atomically

logger = logging.getLogger(__name__)

# Errors worth trying again (storage or database away for a while); others need a person.
TRANSIENT_ERRORS = (OSError, DatabaseError)
MAX_ATTEMPTS = 6  # failed tries before a certificate is left to a person (needs attention)


@dataclass
class IssuingOutcome:
    """What issue_certificates did: the certificates this call issued (or re-issued), and the
    enrolments whose certificate failed, with the error (each left pending and counted); of
    those, the ones worth trying again (not given up: needing attention)."""

    issued: list[Certificate] = field(default_factory=list)
    failed: dict[int, Exception] = field(default_factory=dict)
    to_retry: list[int] = field(default_factory=list)


def issue_certificates(
    enrolment_ids: Iterable[int], *, reissue: bool = False, by=None
) -> IssuingOutcome:
    """Issue the certificates of these completed enrolments (a single completion is a list of
    one); those issued already are left as they are. Safe to run any number of times.

    With reissue, issued certificates are rendered again with the participant's name as it is
    now on their profile and the course's current template (same code; the earlier version goes
    to the history, replaced `by` that user). Enrolments not completed, and completions in a
    cohort holding its certificates until it closes, are left alone. A certificate that fails is
    counted and left pending; after MAX_ATTEMPTS, or at once for an error that retrying cannot
    mend, it is marked as needing attention (the sweep leaves it to a person).
    """
    certificates = _records(list(enrolment_ids), reissue=reissue)
    outcome = IssuingOutcome()
    stored = _render_and_store(certificates, outcome)
    if stored:
        outcome.issued = _mark_issued(stored, reissue=reissue, by=by)
    return outcome


def _records(enrolment_ids: list[int], *, reissue: bool) -> list[Certificate]:
    """The records to render: the enrolments' pending ones (created here for those with none)
    or, to re-issue, their issued ones with the current name. One read and one insert."""
    if not enrolment_ids:
        return []
    for retry in (False, True):
        try:
            enrolments = _claim(enrolment_ids)
            break
        except IntegrityError:  # a record created meanwhile by another delivery: read again
            if retry:
                raise
    wanted = CertificateStatus.ISSUED if reissue else CertificateStatus.PENDING
    records = []
    for enrolment in enrolments:
        certificate = _certificate_of(enrolment)
        if certificate is None or certificate.status != wanted:
            continue
        certificate.enrolment = enrolment
        if reissue:
            certificate.participant_name = _name_of(enrolment.user)
        records.append(certificate)
    return records


def _claim(enrolment_ids: list[int]) -> list[Enrolment]:
    """The completed enrolments among these, with their records (created for those with none,
    unless their cohort holds its certificates), in one transaction."""
    with transaction.atomic():
        enrolments = list(
            Enrolment.objects.select_related(
                "user", "course__certificate_template", "cohort", "certificate"
            )
            # A deleted account's name is erased: its issued certificates stay as they are.
            .filter(
                pk__in=enrolment_ids,
                status=EnrolmentStatus.COMPLETED,
                user__deleted_at__isnull=True,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("completed_at", "pk")
        )
        new = [
            _record_for(e)
            for e in enrolments
            if _certificate_of(e) is None and not e.cohort.holds_certificates
        ]
        Certificate.objects.bulk_create(new)
    return enrolments


def _record_for(enrolment: Enrolment) -> Certificate:
    """A new record of what the enrolment's certificate certifies, as of now."""
    course, template = enrolment.course, _template_of(enrolment.course)
    certificate = Certificate(
        enrolment=enrolment,
        participant_name=_name_of(enrolment.user),
        course_title=course.title,
        course_language=course.language,
        cohort_name="" if enrolment.cohort.is_default else enrolment.cohort.name,
        completed_on=timezone.localdate(enrolment.completed_at),
        hours=course.estimated_hours or None,
        issuing_organisation=(
            template.issuing_organisation if template else settings.CERTIFICATE_ISSUER
        ),
    )
    enrolment.certificate = certificate
    return certificate


def _name_of(user) -> str:
    return user.full_name or user.email


def _render_and_store(
    certificates: list[Certificate], outcome: IssuingOutcome
) -> list[tuple[Certificate, str, str]]:
    """Render each record's PDF here and store it (a name derived from its content) on the
    files thread: writing and syncing a file waits on the disk, not the processor. Returns
    (record, stored name, SHA-256) for those stored; failures go to the outcome."""
    logos: dict[int, bytes | None] = {}  # read once per template, not once per certificate
    pending = []
    for certificate in certificates:
        try:
            template = _template_of(certificate.enrolment.course)
            if template is not None and template.pk not in logos:
                logos[template.pk] = _logo_of(template)
            logo = logos[template.pk] if template is not None else None
            content = render_certificate(_certificate_data(certificate, template, logo))
        except Exception as error:  # one certificate's failure must not stop the others
            _failed(certificate, error, outcome)
            continue
        digest = hashlib.sha256(content).hexdigest()
        name = f"certificates/{certificate.code}-{digest[:12]}.pdf"
        pending.append((certificate, digest, _files_thread().submit(_store, name, content)))
    stored = []
    for certificate, digest, future in pending:
        try:
            stored.append((certificate, future.result(), digest))
        except Exception as error:
            _failed(certificate, error, outcome)
    return stored


def _store(name: str, content: bytes) -> str:
    return store_atomically(name, content)


@cache
def _files_thread() -> ThreadPoolExecutor:
    """This process's thread for writing certificate files, started on first use (in a Celery
    prefork child, after the fork). It lives as long as the process, so a storage client that
    keeps a connection per thread (S3) keeps it from one batch to the next."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="certificate-files")


def _failed(certificate: Certificate, error: Exception, outcome: IssuingOutcome) -> None:
    """Count a failed try (a re-issue's failure leaves the issued record as it is); give up
    after MAX_ATTEMPTS, or at once when retrying cannot help."""
    logger.error("certificate %s not issued", certificate.code, exc_info=error)
    outcome.failed[certificate.enrolment_id] = error
    give_up = not isinstance(error, TRANSIENT_ERRORS) or certificate.attempts + 1 >= MAX_ATTEMPTS
    if not give_up:
        outcome.to_retry.append(certificate.enrolment_id)
    Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.PENDING).update(
        attempts=F("attempts") + 1, last_error=repr(error)[:2000], needs_attention=give_up
    )


def _mark_issued(
    stored: list[tuple[Certificate, str, str]], *, reissue: bool, by
) -> list[Certificate]:
    """The stored records marked issued (to re-issue: pointed at their new PDFs) in one
    transaction; those this call changed. The newly issued are emailed by one task after
    commit: a second delivery of the same work finds them issued and emails nobody."""
    if reissue:
        with transaction.atomic():
            changed = [_reissue(c, name, digest, by=by) for c, name, digest in stored]
            changed = [c for c in changed if c is not None]
            issue_credentials(changed, supersede=True)  # a new credential; the old one's bit set
        return changed
    with transaction.atomic():
        issued = Certificate.objects.mark_issued(stored)
        record_certificates_earned(issued)
        issue_credentials(issued)  # with a signing key configured: one insert for the batch
    if issued:
        ids = [c.pk for c in issued]
        transaction.on_commit(lambda: _email(ids))
    return issued


def _reissue(certificate: Certificate, name: str, digest: str, *, by) -> Certificate | None:
    """The record pointed at its new PDF (locked: two re-issues at once keep one history);
    None if nothing changed or it was revoked meanwhile."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.status != CertificateStatus.ISSUED:
        return None
    name_now = certificate.participant_name
    changed = locked.reissue(participant_name=name_now, pdf_name=name, pdf_sha256=digest, by=by)
    locked.enrolment = certificate.enrolment  # with its user and course, for the credential
    return locked if changed else None


def _email(certificate_ids: list[int]) -> None:
    from ..tasks import send_certificate_emails_task  # the tasks module imports this one

    send_certificate_emails_task.delay(certificate_ids)


def _template_of(course) -> CertificateTemplate | None:
    try:
        return course.certificate_template
    except CertificateTemplate.DoesNotExist:
        return None


def _certificate_of(enrolment: Enrolment) -> Certificate | None:
    try:
        return enrolment.certificate
    except Certificate.DoesNotExist:
        return None


def certificate_data(certificate: Certificate) -> CertificateData:
    """What the PDF shows, from the frozen record and the course's template (or defaults)."""
    template = CertificateTemplate.objects.filter(course_id=certificate.enrolment.course_id).first()
    return _certificate_data(certificate, template, _logo_of(template))


def _logo_of(template: CertificateTemplate | None) -> bytes | None:
    if template and template.logo:
        with template.logo.open("rb") as handle:
            return handle.read()
    return None


def _certificate_data(
    certificate: Certificate, template: CertificateTemplate | None, logo: bytes | None
) -> CertificateData:
    wording = {}
    if template and template.title:
        wording["title"] = template.title
    if template and template.before_name:
        wording["before_name"] = template.before_name
    return CertificateData(
        participant_name=certificate.participant_name,
        course_title=certificate.course_title,
        language=certificate.course_language,
        completion_date=certificate.completed_on,
        issuing_organisation=certificate.issuing_organisation,
        signatory_name=template.signatory_name if template else settings.CERTIFICATE_SIGNATORY,
        signatory_title=template.signatory_title if template else "",
        verification_code=certificate.code,
        verification_url=verification_url(certificate.code),
        cohort_name=certificate.cohort_name,
        hours=certificate.hours,
        paper=template.paper if template else "A4",
        logo_png=logo,
        primary_colour=template.primary_colour if template else "#1F3A5F",
        accent_colour=template.accent_colour if template else "#B08D57",
        wording=wording,
    )


def verification_url(code: str) -> str:
    return absolute_url(reverse("certificate-verify-code", kwargs={"code": code}))


def list_enrolments_missing_a_certificate(*, older_than):
    """Completed enrolments whose certificate is not issued, completed before `older_than`
    ago (so that the normal path had its chance), except in cohorts holding certificates until
    they close."""
    return (
        Enrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED,
            completed_at__lt=timezone.now() - older_than,
            user__deleted_at__isnull=True,
        )
        .exclude(certificate__status__in=[CertificateStatus.ISSUED, CertificateStatus.REVOKED])
        .exclude(cohort__certificates_at_close=True, cohort__closed_at__isnull=True)
    )
