"""Issuing certificates: the record first, then the PDF, stored atomically; exactly once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus
from elearn.emails import absolute_url

from ..models import Certificate, CertificateStatus, CertificateTemplate
from ..pdf import CertificateData, render_certificate
from .storage import store_atomically


def issue_certificate(enrolment_id: int) -> Certificate | None:
    """Issue the certificate of a completed enrolment; safe to run any number of times.
    None while the enrolment's cohort holds its certificates until it closes.

    1. The record is created first (one per enrolment: a database constraint), with what it
       certifies frozen from the profile, course and cohort as they are now.
    2. The PDF is rendered outside any transaction and stored under a name derived from its
       content, atomically (a killed worker leaves no half-written file under that name).
    3. The record then points at the file and becomes `issued`.
    A second run finds the record issued and does nothing; a run after a crash between the
    steps finishes the job.

    Three statements on the usual path (read everything, insert, update), each its own
    transaction: a round trip to the database costs about as much as a tenth of a render, and
    the steps need no transaction around them (the constraint and the conditional update keep
    them right when two deliveries run at once).
    """
    enrolment = Enrolment.objects.select_related(
        "user", "course__certificate_template", "cohort", "certificate"
    ).get(pk=enrolment_id)
    template = _template_of(enrolment.course)
    certificate = _certificate_of(enrolment)
    if certificate is None:
        if enrolment.cohort.holds_certificates:
            return None
        certificate = _create_record(enrolment, template)
    if certificate.status != CertificateStatus.PENDING:
        return certificate
    issued = {
        **_render_and_store(certificate, template, _logo_of(template)),
        "needs_attention": False,
        "last_error": "",
    }
    # One conditional UPDATE: only the first delivery to get here moves it to issued, and
    # only that one has the participant emailed (after commit).
    if Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.PENDING).update(
        **issued
    ):
        certificate_id = certificate.pk
        transaction.on_commit(lambda: _enqueue_email(certificate_id))
        for field_name, value in issued.items():
            setattr(certificate, field_name, value)
        return certificate
    return Certificate.objects.get(pk=certificate.pk)  # another delivery issued it meanwhile


def _render_and_store(certificate: Certificate, template, logo: bytes | None) -> dict:
    """Render the record's PDF, store it under a name derived from its content; the fields
    that make the record issued."""
    rendered = _render(certificate, template, logo)
    return _issued_fields(rendered, _store(rendered))


@dataclass(frozen=True)
class _Rendered:
    """A record's PDF and the name to store it under (derived from its content)."""

    content: bytes
    digest: str
    name: str


def _render(certificate: Certificate, template, logo: bytes | None) -> _Rendered:
    content = render_certificate(_certificate_data(certificate, template, logo))
    digest = hashlib.sha256(content).hexdigest()
    return _Rendered(content, digest, f"certificates/{certificate.code}-{digest[:12]}.pdf")


def _store(rendered: _Rendered) -> str:
    return store_atomically(rendered.name, rendered.content)


def _issued_fields(rendered: _Rendered, stored_name: str) -> dict:
    """The fields that make a record issued, once its PDF is stored."""
    return {
        "pdf": stored_name,
        "pdf_sha256": rendered.digest,
        "status": CertificateStatus.ISSUED,
        "issued_at": timezone.now(),
    }


def _enqueue_email(certificate_id: int) -> None:
    from ..tasks import send_certificate_email_task  # the tasks module imports this one

    send_certificate_email_task.delay(certificate_id)


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


def _create_record(enrolment: Enrolment, template: CertificateTemplate | None) -> Certificate:
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise ValueError(f"enrolment {enrolment.pk} is not completed")
    certificate = _record_for(enrolment, template)
    try:
        if connection.in_atomic_block:  # a savepoint keeps the caller's transaction usable
            with transaction.atomic():
                certificate.save(force_insert=True)
        else:  # a single INSERT, committed on its own
            certificate.save(force_insert=True)
    except IntegrityError:  # created at the same moment by another delivery
        return Certificate.objects.get(enrolment_id=enrolment.pk)
    return certificate


def _record_for(enrolment: Enrolment, template: CertificateTemplate | None) -> Certificate:
    """A new (unsaved) record of what the enrolment's certificate certifies, as of now."""
    course = enrolment.course
    return Certificate(
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


def certificate_data(certificate: Certificate) -> CertificateData:
    """What the PDF shows, from the frozen record and the course's template (or defaults)."""
    template = course_template(certificate)
    return _certificate_data(certificate, template, _logo_of(template))


def course_template(certificate: Certificate) -> CertificateTemplate | None:
    """The certificate template of the certificate's course; None for the defaults."""
    return CertificateTemplate.objects.filter(course_id=certificate.enrolment.course_id).first()


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
    ago (so that the normal task had its chance), except in cohorts holding certificates until
    they close."""
    return (
        Enrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED,
            completed_at__lt=timezone.now() - older_than,
        )
        .exclude(certificate__status__in=[CertificateStatus.ISSUED, CertificateStatus.REVOKED])
        .exclude(cohort__certificates_at_close=True, cohort__closed_at__isnull=True)
    )
