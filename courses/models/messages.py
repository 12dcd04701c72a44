"""Messages from facilitators to the participants of a cohort (nudges), and each one's
delivery: one email per participant, sent by a task and recorded here."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cohorts import Cohort, Enrolment


class MessageAudience(models.TextChoices):
    ALL = "all", _("Everyone")
    AT_RISK = "at_risk", _("Participants at risk")
    SELECTED = "selected", _("Selected participants")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class CohortMessage(models.Model):
    """A subject and Markdown body sent to some of a cohort's participants, one email each.

    `request_key` is unique per sender: the form (a hidden field) or API client (the
    Idempotency-Key header) gives one per message written, so that a double click or a retried
    request creates one message.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="messages")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    audience = models.CharField(_("audience"), max_length=16, choices=MessageAudience.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), help_text=_("Markdown."))
    body_html = models.TextField(editable=False)  # rendered and sanitised once, when sent
    request_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # When a task last worked on the deliveries: the sweep enqueues again a message whose
    # deliveries are still queued and whose task has not been seen for a while (it was lost).
    last_batch_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message to participants")
        verbose_name_plural = _("messages to participants")
        constraints = [
            models.UniqueConstraint(
                fields=["sent_by", "request_key"], name="one_message_per_request_key"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "-created_at"])]

    def __str__(self):
        return self.subject


class MessageDelivery(models.Model):
    """One participant's email of a message: queued until the task sends it (sent), gives up
    on it (failed), or finds the participant no longer in the cohort (skipped)."""

    message = models.ForeignKey(CohortMessage, on_delete=models.CASCADE, related_name="deliveries")
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="message_deliveries"
    )
    email = models.EmailField(_("email address"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message delivery")
        verbose_name_plural = _("message deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "enrolment"], name="one_delivery_per_message_enrolment"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="sent_delivery_has_sent_time",
            ),
        ]
        indexes = [models.Index(fields=["message", "status"])]

    def __str__(self):
        return f"{self.message} to {self.email}"
