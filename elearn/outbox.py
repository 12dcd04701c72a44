"""Outboxes: what the platform owes another system (statements to a learning record store,
scores to an LTI platform's gradebook), written in the transaction of the event, so that the
database, not the broker, says what is still to send.

One shape for every outbox: a row is pending until it is sent, or rejected by the other side as
invalid (never sent again). A send that fails for a while (the other side down, slow, rate
limiting) waits before its next try, twice as long each time: 1, 2, 4... minutes, at most six
hours. Senders take due rows locked (SKIP LOCKED: two workers send different ones), send, and
record the result with the functions below in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


class OutboxItem(models.Model):
    """What every outbox row holds about its sending (subclasses add what is sent)."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Sending: how many tries failed, when the next may run, and why the last failed.
    tries = models.PositiveIntegerField(_("failed tries"), default=0)
    next_try_at = models.DateTimeField(_("next try"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    # Refused by the other side as invalid: not sent again.
    rejected = models.BooleanField(_("rejected"), default=False)

    class Meta:
        abstract = True
        ordering = ["created_at"]
        indexes = [
            # What the sender reads: the pending, oldest first.
            models.Index(
                fields=["next_try_at", "created_at"],
                condition=models.Q(sent_at__isnull=True, rejected=False),
                name="%(app_label)s_%(class)s_pending",
            ),
        ]

    @property
    def pending(self) -> bool:
        return self.sent_at is None and not self.rejected


@dataclass
class SendOutcome:
    """What a sender's run did."""

    sent: int = 0
    rejected: int = 0
    failed: int = 0  # left pending for a later try


def take_due(model: type[OutboxItem], *, now: datetime) -> models.QuerySet:
    """The model's rows due for sending (pending, their next try reached), oldest first, locked
    for the caller's transaction; rows another worker holds are skipped."""
    return (
        model.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(sent_at__isnull=True, rejected=False, next_try_at__lte=now)
        .order_by("created_at", "pk")
    )


def mark_sent(items: Sequence[OutboxItem]) -> None:
    if items:
        type(items[0]).objects.filter(pk__in=[i.pk for i in items]).update(sent_at=timezone.now())


def mark_rejected(item: OutboxItem, error: Exception) -> None:
    type(item).objects.filter(pk=item.pk).update(rejected=True, last_error=str(error)[:2000])


def wait_after_failure(items: Sequence[OutboxItem], *, now: datetime, error: Exception) -> None:
    """Each item tried again after its backoff: FIRST_WAIT doubled with each failed try, at
    most LONGEST_WAIT."""
    for item in items:
        tries = item.tries + 1
        type(item).objects.filter(pk=item.pk).update(
            tries=tries, next_try_at=now + backoff(tries), last_error=str(error)[:2000]
        )


def backoff(tries: int) -> timedelta:
    """The wait after `tries` failed tries."""
    return min(FIRST_WAIT * 2 ** (tries - 1), LONGEST_WAIT)


class OutboxAdmin(admin.ModelAdmin):
    """An outbox in the admin, to see what was sent, what waits and why: read only, as the
    sender owns it."""

    list_filter = ["rejected", ("sent_at", admin.EmptyFieldListFilter)]
    ordering = ["-created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("pending"), boolean=True)
    def pending(self, obj):
        return obj.pending
