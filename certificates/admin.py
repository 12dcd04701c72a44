from django.contrib import admin

from .models import Certificate, CertificateTemplate


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    list_display = ["course", "issuing_organisation", "signatory_name", "paper"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are made by the issuing task; here they are read, and found when they need
    attention (issuing gave up after its retries)."""

    list_display = ["code", "participant_name", "course_title", "status", "issued_at",
                    "needs_attention"]  # fmt: skip
    list_filter = ["status", "needs_attention", "course_language"]
    search_fields = ["code", "participant_name", "course_title"]
    readonly_fields = [f.name for f in Certificate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
