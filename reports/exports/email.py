"""Telling a requester their export is ready."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from elearn.emails import absolute_url

from ..models import ExportJob, ExportStatus


def send_export_ready_email(job_id: int) -> bool:
    """Email the requester that their export is ready, once, in their language, with a link
    to their exports page (not to the file: it is downloaded signed in). True if this call
    sent it; a second call (a duplicate delivery, the sweep) sends nothing."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .filter(pk=job_id, status=ExportStatus.DONE, emailed_at__isnull=True)
            .first()
        )
        if job is None:
            return False
        _message(job).send()
        ExportJob.objects.filter(pk=job.pk).update(emailed_at=timezone.now())
    return True


def _message(job: ExportJob) -> EmailMessage:
    user = job.requested_by
    with translation.override(user.preferred_language or job.language):
        context = {
            "job": job,
            "name": user.full_name or user.email,
            "kind": job.get_kind_display(),
            "format": job.get_format_display(),
            "site_name": settings.SITE_NAME,
            "page_url": absolute_url(reverse("reports-exports") + f"#export-{job.pk}"),
        }
        subject = render_to_string("reports/email/export_ready_subject.txt", context)
        body = render_to_string("reports/email/export_ready_message.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[user.email])
