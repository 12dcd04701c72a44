import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from elearn.outbox import OutboxItem


class Statement(OutboxItem):
    """One xAPI statement waiting to be sent to the learning record store, or sent.

    Written in the transaction of the event it describes, so the database says what is owed to
    the store; its id is the statement's id, so sending it twice stores it once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    verb = models.CharField(_("verb"), max_length=32)  # for people reading the admin
    payload = models.JSONField(_("statement"))

    class Meta(OutboxItem.Meta):
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")

    def __str__(self):
        return f"{self.verb} {self.id}"
