"""Reads of certificates, with who may see what."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from courses.selectors import can_manage_cohort, get_managed_cohort

from .models import BatchKind, Certificate, CertificateStatus, Credential, normalise_code


def get_public_certificate(code: str) -> Certificate:
    """An issued or revoked certificate by its code (any typing of it); Http404 otherwise."""
    certificate = (
        Certificate.objects.filter(
            code=normalise_code(code),
            status__in=[CertificateStatus.ISSUED, CertificateStatus.REVOKED],
        )
        .only(
            "code",
            "status",
            "participant_name",
            "course_title",
            "course_language",
            "completed_on",
            "issuing_organisation",
            "revoked_at",
            "revoke_reason",
        )
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def get_certificate_pdf_for(user, code: str) -> Certificate:
    """A certificate's record for downloading its PDF: its owner, the facilitators of its
    cohort and admins only; Http404 for anyone else (whether it exists is not revealed)."""
    certificate = (
        Certificate.objects.select_related("enrolment__cohort")
        .filter(code=normalise_code(code), status=CertificateStatus.ISSUED)
        .first()
    )
    if certificate is None or not user.is_authenticated:
        raise Http404("No such certificate.")
    enrolment = certificate.enrolment
    if enrolment.user_id != user.pk and not can_manage_cohort(user, enrolment.cohort):
        raise Http404("No such certificate.")
    return certificate


def list_certificates_for(user, *, cohort_id: int | None = None) -> QuerySet[Certificate]:
    """Certificates a user may list, newest first: issued, revoked, and those being issued;
    each with `has_credential`: a live Open Badges credential the user may download (their own
    certificate's, as get_credential_for).

    With a cohort: that cohort's, for those who manage it (its facilitators, admins), Http404
    for anyone else, as for a cohort that does not exist (one query). Without: every
    certificate for admins, their own for anyone else.
    """
    if cohort_id is not None:
        certificates = Certificate.objects.filter(
            enrolment__cohort=get_managed_cohort(user, cohort_id)
        )
    elif user.is_staff:
        certificates = Certificate.objects.all()
    else:
        certificates = Certificate.objects.filter(enrolment__user=user)
    return (
        certificates.select_related("enrolment__course")
        .annotate(has_credential=_live_credential(of=user))
        .order_by("-created_at", "-pk")
    )


def _live_credential(*, of) -> Exists:
    return Exists(
        Credential.objects.filter(
            certificate=OuterRef("pk"),
            certificate__enrolment__user_id=of.pk,
            superseded_at__isnull=True,
        )
    )


def get_credential_for(user, code: str) -> Credential:
    """The live Open Badges credential of an issued certificate, for its owner alone (not the
    facilitators: it names the owner's email, hashed); Http404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No such credential.")
    credential = (
        Credential.objects.filter(
            certificate__code=normalise_code(code),
            certificate__status=CertificateStatus.ISSUED,
            certificate__enrolment__user_id=user.pk,
            superseded_at__isnull=True,
        )
        .only("uid", "jws", "certificate__code")
        .select_related("certificate")
        .first()
    )
    if credential is None:
        raise Http404("No such credential.")
    return credential


def has_live_credential(certificate: Certificate) -> bool:
    """Whether a certificate has a credential that is not superseded (revoked or not)."""
    return certificate.credentials.filter(superseded_at__isnull=True).exists()


def can_start_batch(user, cohort, kind: str) -> bool:
    """Who manages the cohort may issue what is missing and download a ZIP; re-issuing every
    certificate with new content is for admins. Nothing is issued while the cohort holds its
    certificates until it closes."""
    if kind == BatchKind.REISSUE:
        return user.is_authenticated and user.is_staff
    if kind == BatchKind.ISSUE and cohort.holds_certificates:
        return False
    return can_manage_cohort(user, cohort)
