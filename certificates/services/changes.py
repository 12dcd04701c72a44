"""Changes to issued certificates: revocation with a reason, re-issue with history."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Certificate, CertificateRevision, CertificateStatus
from .issuing import _logo_of, _render, _store, course_template


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, reason: str, by) -> Certificate:
    """Revoke an issued certificate; verification then shows it as revoked, with the reason
    (who revoked it is kept for the admin, not shown).

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
    locked.revoked_by = by
    locked.save(update_fields=["status", "revoked_at", "revoke_reason", "revoked_by"])
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
    template = course_template(current)
    rendered = _render(current, template, _logo_of(template))
    name, digest = _store(rendered), rendered.digest
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
