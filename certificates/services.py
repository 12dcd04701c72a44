"""Issuing certificates: the record first, then the PDF, stored atomically; exactly once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Enrolment, EnrolmentStatus

from .models import Certificate, CertificateRevision, CertificateStatus, CertificateTemplate
from .pdf import CertificateData, render_certificate


def issue_certificate(enrolment_id: int) -> Certificate:
    """Issue the certificate of a completed enrolment; safe to run any number of times.

    1. The record is created first (one per enrolment: a database constraint), with what it
       certifies frozen from the profile, course and cohort as they are now.
    2. The PDF is rendered outside any transaction and stored under a name derived from its
       content, atomically (a killed worker leaves no half-written file under that name).
    3. The record then points at the file and becomes `issued`.
    A second run finds the record issued and does nothing; a run after a crash between the
    steps finishes the job.
    """
    certificate = _record_for(enrolment_id)
    if certificate.status != CertificateStatus.PENDING:
        return certificate
    content = render_certificate(certificate_data(certificate))
    digest = hashlib.sha256(content).hexdigest()
    name = store_atomically(f"certificates/{certificate.code}-{digest[:12]}.pdf", content)
    with transaction.atomic():
        # One conditional UPDATE: only the first worker to get here moves it to issued.
        issued = Certificate.objects.filter(
            pk=certificate.pk, status=CertificateStatus.PENDING
        ).update(
            pdf=name,
            pdf_sha256=digest,
            status=CertificateStatus.ISSUED,
            issued_at=timezone.now(),
            needs_attention=False,
            last_error="",
        )
        if issued:
            certificate_id = certificate.pk
            transaction.on_commit(lambda: _enqueue_email(certificate_id))
    return Certificate.objects.get(pk=certificate.pk)


def _enqueue_email(certificate_id: int) -> None:
    from .tasks import send_certificate_email_task  # the tasks module imports this one

    send_certificate_email_task.delay(certificate_id)


def _record_for(enrolment_id: int) -> Certificate:
    existing = Certificate.objects.filter(enrolment_id=enrolment_id).first()
    if existing is not None:
        return existing
    enrolment = Enrolment.objects.select_related("user", "course", "cohort").get(pk=enrolment_id)
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise ValueError(f"enrolment {enrolment_id} is not completed")
    course = enrolment.course
    template = CertificateTemplate.objects.filter(course=course).first()
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                enrolment=enrolment,
                participant_name=enrolment.user.full_name or enrolment.user.email,
                course_title=course.title,
                course_language=course.language,
                cohort_name="" if enrolment.cohort.is_default else enrolment.cohort.name,
                completed_on=timezone.localdate(enrolment.completed_at),
                hours=course.estimated_hours or None,
                issuing_organisation=(
                    template.issuing_organisation if template else settings.CERTIFICATE_ISSUER
                ),
            )
    except IntegrityError:  # created at the same moment by another delivery
        return Certificate.objects.get(enrolment_id=enrolment_id)


def certificate_data(certificate: Certificate) -> CertificateData:
    """What the PDF shows, from the frozen record and the course's template (or defaults)."""
    template = CertificateTemplate.objects.filter(course_id=certificate.enrolment.course_id).first()
    logo = None
    if template and template.logo:
        with template.logo.open("rb") as handle:
            logo = handle.read()
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
    scheme = "http" if settings.DEBUG else "https"
    domain = Site.objects.get_current().domain
    return f"{scheme}://{domain}{reverse('certificate-verify-code', kwargs={'code': code})}"


def store_atomically(name: str, content: bytes) -> str:
    """Save bytes in the default storage so that the name never shows a partial file.

    Local files are written to a temporary file in the same folder and renamed over the name
    (a rename is atomic); object stores (S3) publish an upload only once it is complete.
    """
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name
    if default_storage.exists(name):  # same content, same name: already stored
        return name
    return default_storage.save(name, ContentFile(content))


@transaction.atomic
def record_failure(enrolment_id: int, error: str, *, give_up: bool) -> None:
    """Count a failed try at issuing; after the last one, mark the certificate for attention."""
    certificate = Certificate.objects.select_for_update().filter(enrolment_id=enrolment_id).first()
    if certificate is None or certificate.status != CertificateStatus.PENDING:
        return
    certificate.attempts += 1
    certificate.last_error = error[:2000]
    certificate.needs_attention = give_up
    certificate.save(update_fields=["attempts", "last_error", "needs_attention"])


def list_enrolments_missing_a_certificate(*, older_than):
    """Completed enrolments whose certificate is not issued, completed before `older_than`
    ago (so that the normal task had its chance)."""
    return Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED,
        completed_at__lt=timezone.now() - older_than,
    ).exclude(certificate__status__in=[CertificateStatus.ISSUED, CertificateStatus.REVOKED])


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, reason: str, by) -> Certificate:
    """Revoke an issued certificate; verification then shows it as revoked, with the reason.

    Revoking a revoked certificate changes nothing; a reason is required.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("A reason is required to revoke a certificate.")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.status == CertificateStatus.REVOKED:
        return locked
    if locked.status != CertificateStatus.ISSUED:
        raise ValueError("Only an issued certificate can be revoked.")
    locked.status = CertificateStatus.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoke_reason = reason
    locked.save(update_fields=["status", "revoked_at", "revoke_reason"])
    return locked


def reissue_certificate(certificate: Certificate, *, by) -> Certificate:
    """Issue the certificate again with the participant's name as it is now on their profile
    (after a correction): a new PDF under the same code; the earlier one stays in the history.
    """
    current = Certificate.objects.select_related("enrolment__user").get(pk=certificate.pk)
    if current.status != CertificateStatus.ISSUED:
        raise ValueError("Only an issued certificate can be re-issued.")
    user = current.enrolment.user
    current.participant_name = user.full_name or user.email
    content = render_certificate(certificate_data(current))
    digest = hashlib.sha256(content).hexdigest()
    name = store_atomically(f"certificates/{current.code}-{digest[:12]}.pdf", content)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=current.pk)
        if locked.pdf_sha256 == digest:
            return locked  # nothing changed
        CertificateRevision.objects.create(
            certificate=locked,
            participant_name=locked.participant_name,
            course_title=locked.course_title,
            pdf_name=locked.pdf.name,
            pdf_sha256=locked.pdf_sha256,
            issued_at=locked.issued_at,
            replaced_by=by,
        )
        locked.participant_name = current.participant_name
        locked.pdf.name = name
        locked.pdf_sha256 = digest
        locked.issued_at = timezone.now()
        locked.save(update_fields=["participant_name", "pdf", "pdf_sha256", "issued_at"])
    return locked


def send_certificate_email(certificate_id: int) -> bool:
    """Tell the participant their certificate is ready, once (emailed_at is set as it is sent,
    under a row lock, so a second run sends nothing). True if this call sent it."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("enrolment__user")
            .filter(pk=certificate_id, status=CertificateStatus.ISSUED, emailed_at__isnull=True)
            .first()
        )
        if certificate is None:
            return False
        user = certificate.enrolment.user
        scheme = "http" if settings.DEBUG else "https"
        root = f"{scheme}://{Site.objects.get_current().domain}"
        with translation.override(user.preferred_language or certificate.course_language):
            context = {
                "certificate": certificate,
                "site_name": settings.SITE_NAME,
                "download_url": root + reverse("certificate-download", args=[certificate.code]),
                "verification_url": verification_url(certificate.code),
            }
            subject = render_to_string("certificates/email/issued_subject.txt", context)
            body = render_to_string("certificates/email/issued_message.txt", context)
        EmailMessage(" ".join(subject.split()), body, to=[user.email]).send()
        certificate.emailed_at = timezone.now()
        certificate.save(update_fields=["emailed_at"])
    return True
