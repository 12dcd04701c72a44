"""Issuing credentials: in the certificate pipeline's own transaction, where certificates are
marked issued (or re-issued), so that with a key configured no issued certificate lacks one.
Per batch of certificates: one check of the public key's record, one counter update and read,
one insert; signing itself is Ed25519, a fraction of a millisecond each."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from elearn.emails import absolute_url

from ..models import Certificate, CertificateStatus
from .building import build_credential, sign
from .keys import configured_signer, register_public_key
from .models import Credential, StatusIndexCounter

COUNTER_ID = 1


def issue_credentials(
    certificates: list[Certificate], *, supersede: bool = False
) -> list[Credential]:
    """A signed credential for each of these issued certificates, written in the caller's
    transaction; with `supersede` (a re-issue), their live credentials are superseded first,
    which sets their bit in the revocation status list. Nothing without a configured key.
    The certificates need their enrolment with its user and course loaded."""
    if not certificates:
        return []
    signer = configured_signer()
    if signer is None:
        return []
    with transaction.atomic(savepoint=False):
        register_public_key(signer)
        if supersede:
            Credential.objects.filter(
                certificate__in=[c.pk for c in certificates], superseded_at__isnull=True
            ).update(superseded_at=timezone.now())
        first = _take_status_indexes(len(certificates))
        records = []
        for offset, certificate in enumerate(certificates):
            enrolment = certificate.enrolment
            credential = Credential(
                certificate=certificate,
                status_index=first + offset,
                kid=signer.kid,
                issued_at=certificate.issued_at or timezone.now(),
            )
            payload = build_credential(
                certificate,
                credential,
                email=enrolment.user.email,
                course_url=absolute_url(enrolment.course.get_absolute_url()),
            )
            credential.jws = sign(payload, signer)
            records.append(credential)
        Credential.objects.bulk_create(records)
    return records


def _take_status_indexes(count: int) -> int:
    """The first of `count` consecutive free indexes of the status list. The UPDATE locks the
    counter's row until the transaction ends, so concurrent issuers queue here."""
    moved = StatusIndexCounter.objects.filter(pk=COUNTER_ID).update(
        next_index=F("next_index") + count
    )
    if not moved:  # the first credential ever: the row's primary key guards a race
        StatusIndexCounter.objects.create(pk=COUNTER_ID, next_index=count)
        return 0
    return StatusIndexCounter.objects.get(pk=COUNTER_ID).next_index - count


def list_certificates_missing_a_credential():
    """Issued certificates without a live credential (issued before a key was configured)."""
    live = Credential.objects.filter(certificate=OuterRef("pk"), superseded_at__isnull=True)
    return Certificate.objects.filter(status=CertificateStatus.ISSUED).filter(~Exists(live))


def issue_missing_credentials(*, batch_size: int = 200) -> int:
    """A credential for every issued certificate that lacks one, in batches; how many were
    issued. Safe to run at any time (a certificate has one live credential, a constraint)."""
    if configured_signer() is None:
        return 0
    total = 0
    while True:
        with transaction.atomic():
            certificates = list(
                list_certificates_missing_a_credential()
                .select_related("enrolment__user", "enrolment__course")
                .order_by("pk")[:batch_size]
            )
            issued = issue_credentials(certificates)
        total += len(issued)
        if len(certificates) < batch_size or not issued:
            return total


def replace_credentials_signed_by(kid: str, *, batch_size: int = 200) -> int:
    """New credentials, signed with the configured key, for the issued certificates whose live
    credential the key `kid` signed (a leaked or retired key); the old ones are superseded.
    How many were replaced."""
    signer = configured_signer()
    if signer is None or signer.kid == kid:
        return 0
    total = 0
    while True:
        with transaction.atomic():
            certificates = list(
                Certificate.objects.filter(
                    status=CertificateStatus.ISSUED,
                    credentials__kid=kid,
                    credentials__superseded_at__isnull=True,
                )
                .select_related("enrolment__user", "enrolment__course")
                .order_by("pk")[:batch_size]
            )
            issued = issue_credentials(certificates, supersede=True)
        total += len(issued)
        if len(certificates) < batch_size or not issued:
            return total
