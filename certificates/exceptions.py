"""Moves a certificate or a cohort's batch cannot make (raised by their model methods)."""

from django.utils.translation import gettext_lazy as _

from elearn.errors import DomainError


class CertificateNotIssued(DomainError):
    code = "certificate_not_issued"
    status_code = 409
    default_message = _("Only an issued certificate can be revoked or re-issued.")


class CertificateRevoked(DomainError):
    code = "certificate_revoked"
    status_code = 409
    default_message = _("A revoked certificate cannot be issued again.")


class CertificateNoLongerPending(DomainError):
    code = "certificate_no_longer_pending"
    status_code = 409
    default_message = _("A certificate was issued or revoked while this was issuing it.")


class RevocationReasonMissing(DomainError):
    code = "revocation_reason_missing"
    default_message = _("A reason is required to revoke a certificate.")


class BatchFinished(DomainError):
    code = "batch_finished"
    status_code = 409
    default_message = _("This batch has already finished.")


class CredentialTampered(DomainError):
    code = "credential_tampered"
    status_code = 422
    default_message = _(
        "This credential's signature does not match its content: it was changed after it was "
        "issued, or not signed by this site."
    )


class CredentialFromUnknownIssuer(DomainError):
    code = "credential_unknown_issuer"
    status_code = 422
    default_message = _("This credential is not signed by one of this site's keys.")


class CredentialMalformed(DomainError):
    code = "credential_malformed"
    status_code = 422
    default_message = _(
        "This is not a credential signed as this site signs them (a VC-JWT signed with EdDSA)."
    )
