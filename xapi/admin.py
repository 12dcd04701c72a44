from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Statement


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """The outbox, to see what was sent, what waits and why (read only: the sender owns it)."""

    list_display = ["verb", "created_at", "pending", "sent_at", "tries", "next_try_at", "rejected"]
    list_filter = ["verb", "rejected", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in Statement._meta.fields]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("pending"), boolean=True)
    def pending(self, obj):
        return obj.pending
