import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    """One xAPI statement waiting to be sent to the learning record store, or sent.

    Written in the transaction of the event it describes, so the database says what is owed to
    the store; its id is the statement's id, so sending it twice stores it once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    verb = models.CharField(_("verb"), max_length=32)  # for people reading the admin
    payload = models.JSONField(_("statement"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Sending: how many tries failed, when the next may run, and why the last failed.
    tries = models.PositiveIntegerField(_("failed tries"), default=0)
    next_try_at = models.DateTimeField(_("next try"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    # Refused by the store as invalid (a 4xx other than a rate limit): not sent again.
    rejected = models.BooleanField(_("rejected"), default=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [
            # What the sender reads: the pending, oldest first.
            models.Index(
                fields=["next_try_at", "created_at"],
                condition=models.Q(sent_at__isnull=True, rejected=False),
                name="xapi_statement_pending",
            ),
        ]

    def __str__(self):
        return f"{self.verb} {self.id}"

    @property
    def pending(self) -> bool:
        return self.sent_at is None and not self.rejected
