"""Telling participants their certificate is ready."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from elearn.emails import SWEEPS_GIVE_UP_AFTER, absolute_url

from ..models import Certificate, CertificateStatus
from .issuing import verification_url


def send_certificate_emails(certificate_ids: Iterable[int]) -> int:
    """Tell each participant their certificate is ready, once; how many this call sent.

    The certificates not emailed yet are read and locked together, the messages go out over
    one connection to the mail server, and emailed_at is set for those sent in one UPDATE: a
    second run (a duplicate delivery, a retry) sends nothing twice. If the mail server fails
    part of the way, those already sent are still recorded before the error is raised.
    """
    sent: list[int] = []
    failure = None
    with transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update(of=("self",))
            .select_related("enrolment__user")
            .filter(pk__in=certificate_ids, status=CertificateStatus.ISSUED)
            .filter(emailed_at__isnull=True)
            .order_by("pk")
        )
        if not certificates:
            return 0
        try:
            with get_connection() as connection:
                for certificate in certificates:
                    _message(certificate, connection).send()
                    sent.append(certificate.pk)
        except Exception as error:  # recorded below, raised once the record is committed
            failure = error
        Certificate.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    if failure is not None:
        raise failure
    return len(sent)


def list_certificates_not_emailed(*, older_than: timedelta):
    """Issued certificates whose participant was not emailed `older_than` after issue (the
    email task was lost, or failed every retry), within a day: a mail server down for longer
    needs a person, not a sweep sending every few minutes forever."""
    now = timezone.now()
    return Certificate.objects.filter(
        status=CertificateStatus.ISSUED,
        emailed_at__isnull=True,
        issued_at__lt=now - older_than,
        issued_at__gte=now - SWEEPS_GIVE_UP_AFTER,
    )


def _message(certificate: Certificate, connection) -> EmailMessage:
    user = certificate.enrolment.user
    with translation.override(user.preferred_language or certificate.course_language):
        context = {
            "certificate": certificate,
            "site_name": settings.SITE_NAME,
            "download_url": absolute_url(reverse("certificate-download", args=[certificate.code])),
            "verification_url": verification_url(certificate.code),
        }
        subject = render_to_string("certificates/email/issued_subject.txt", context)
        body = render_to_string("certificates/email/issued_message.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[user.email], connection=connection)
