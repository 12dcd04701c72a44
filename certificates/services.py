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
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus

from .models import Certificate, CertificateStatus, CertificateTemplate
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
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != CertificateStatus.PENDING:  # another worker finished first
            return locked
        locked.pdf.name = name
        locked.pdf_sha256 = digest
        locked.status = CertificateStatus.ISSUED
        locked.issued_at = timezone.now()
        locked.needs_attention = False
        locked.last_error = ""
        locked.save()
    return locked


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
