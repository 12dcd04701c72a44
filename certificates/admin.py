from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Certificate,
    CertificateBatch,
    CertificateRevision,
    CertificateStatus,
    CertificateTemplate,
    Credential,
    SigningKey,
)

# Certificates the admin's action re-issues within the request (a few seconds of rendering at
# most); more are a cohort's batch, in the background.
REISSUE_IN_REQUEST = 200


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    list_display = ["course", "issuing_organisation", "signatory_name", "paper"]


class RevisionInline(admin.TabularInline):
    model = CertificateRevision
    fields = ["participant_name", "course_title", "issued_at", "replaced_at", "replaced_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CredentialInline(admin.TabularInline):
    """The certificate's Open Badges credentials, as issued (read only: revoke the certificate
    or re-issue it to change what they say)."""

    model = Credential
    fields = ["uid", "issued_at", "superseded_at", "status_index", "kid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """The public keys listed in /.well-known/did.json. Deleting one (a leaked key) makes every
    credential it signed fail verification; keys are created by `manage.py create_signing_key`
    or when the configured key first signs."""

    list_display = ["kid", "created_at"]
    readonly_fields = ["kid", "public_jwk", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are made by the issuing task; here they are read, revoked with a reason,
    re-issued after a name correction, and found when they need attention (issuing gave up
    after its retries)."""

    list_display = ["code", "participant_name", "course_title", "status", "issued_at",
                    "needs_attention"]  # fmt: skip
    list_filter = ["status", "needs_attention", "course_language"]
    search_fields = ["code", "participant_name", "course_title"]
    readonly_fields = [f.name for f in Certificate._meta.fields]
    inlines = [RevisionInline, CredentialInline]
    actions = ["revoke_selected", "reissue_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected certificates (with a reason)"))
    def revoke_selected(self, request, queryset):
        issued = list(queryset.filter(status=CertificateStatus.ISSUED))
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for certificate in issued:
                services.revoke_certificate(
                    certificate, reason=form.cleaned_data["reason"], by=request.user
                )
            count = len(issued)
            self.message_user(
                request,
                ngettext("%(count)d certificate revoked.", "%(count)d certificates revoked.", count)
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "certificates": issued,
            "form": form,
            "action": "revoke_selected",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/certificates/revoke.html", context)

    @admin.action(description=_("Re-issue the selected certificates with the current name"))
    def reissue_selected(self, request, queryset):
        """Re-issued here and now, through issue_certificates: a few certificates (a corrected
        name) take well under a second, and the admin sees what happened. A whole cohort is
        re-issued in the background from its certificates page (a batch of the issuing task);
        a selection larger than REISSUE_IN_REQUEST is sent there rather than held in a
        request."""
        enrolment_ids = list(
            queryset.filter(status=CertificateStatus.ISSUED).values_list("enrolment_id", flat=True)
        )
        if len(enrolment_ids) > REISSUE_IN_REQUEST:
            self.message_user(
                request,
                _(
                    "Select at most %(limit)d certificates to re-issue at once. To re-issue a "
                    "whole cohort, use its certificates page: it works in the background."
                )
                % {"limit": REISSUE_IN_REQUEST},
                messages.ERROR,
            )
            return
        outcome = services.issue_certificates(enrolment_ids, reissue=True, by=request.user)
        count = len(enrolment_ids) - len(outcome.failed)
        self.message_user(
            request,
            ngettext("%(count)d certificate re-issued.", "%(count)d certificates re-issued.", count)
            % {"count": count},
        )


@admin.register(CertificateBatch)
class CertificateBatchAdmin(admin.ModelAdmin):
    """Work on a cohort's certificates at once, to read only: it is started, and its ZIP
    downloaded, from the cohort's certificates page (linked from each row)."""

    list_display = ["cohort_name", "kind", "status", "progress", "failed", "requested_by",
                    "created_at", "finished_at", "certificates_page"]  # fmt: skip
    list_filter = ["status", "kind", "cohort__course"]
    list_select_related = ["cohort__course", "requested_by"]
    search_fields = ["cohort__name", "cohort__course__title"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("cohort"), ordering="cohort__name")
    def cohort_name(self, batch):
        return batch.cohort.name  # the course is a filter: "course: cohort" is too wide here

    @admin.display(description=_("done"))
    def progress(self, batch):
        return _("%(done)s of %(total)s") % {"done": batch.done, "total": batch.total}

    @admin.display(description=_("certificates page"))
    def certificates_page(self, batch):
        url = reverse("facilitate-cohort-certificates", kwargs={"cohort_id": batch.cohort_id})
        return format_html('<a href="{}">{}</a>', url, _("Certificates of the cohort"))
