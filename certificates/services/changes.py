"""Revoking an issued certificate (re-issuing is issue_certificates(..., reissue=True))."""

from __future__ import annotations

from django.db import transaction

from ..models import Certificate


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, reason: str, by) -> Certificate:
    """Revoke an issued certificate; verification then shows it as revoked, with the reason
    (who revoked it is kept for the admin, not shown). Revoking a revoked certificate changes
    nothing; a reason is required (Certificate.revoke raises a DomainError otherwise)."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    locked.revoke(reason=reason, by=by)
    return locked
