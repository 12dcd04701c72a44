from django.contrib import admin

from elearn.outbox import OutboxAdmin

from .models import Statement


@admin.register(Statement)
class StatementAdmin(OutboxAdmin):
    """The statements sent to the learning record store, and those waiting."""

    list_display = ["verb", "created_at", "pending", "sent_at", "tries", "next_try_at", "rejected"]
    list_filter = ["verb", "rejected", ("sent_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "created_at"
