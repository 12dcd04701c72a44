"""Telling participants their certificate is ready."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..models import Certificate, CertificateStatus
from .issuing import verification_url


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
