"""The LTI admin: django-lti's registration admin, whose change page also shows the tool's
addresses to paste into the platform; the cohort links (with the roster sync), grade links and
the scores outbox."""

from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from lti_tool.admin import LtiDeploymentInline, LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from elearn.errors import DomainError
from elearn.outbox import OutboxAdmin

from .models import CohortLink, GradeLink, Score
from .services.roster import sync_roster
from .tool import ensure_tool_key


class DeploymentInline(LtiDeploymentInline):
    fields = ["deployment_id", "is_active"]
    extra = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "is_active":
            field.initial = True  # a deployment the admin adds is one they mean to accept
        return field


admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class RegistrationAdmin(LtiRegistrationAdmin):
    change_form_template = "admin/lti/registration_change_form.html"
    inlines = [DeploymentInline]
    # A platform's addresses typed without a scheme are HTTPS (Django 6's default already).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        key = ensure_tool_key()
        context["tool_urls"] = tool_urls(request, obj)
        context["tool_public_key"] = key.public_key
        return super().render_change_form(request, context, add, change, form_url, obj)


def tool_urls(request, registration) -> list[tuple[str, str]]:
    """What an admin pastes into the platform, by the name platforms give each field."""
    absolute = request.build_absolute_uri
    urls = [
        (_("Tool URL, target link URI, redirection URI (launch)"), absolute(reverse("lti:launch"))),
        (_("Deep linking URL (content selection)"), absolute(reverse("lti:launch"))),
        (_("Public keyset URL (JWKS)"), absolute(reverse("lti:jwks"))),
    ]
    login = absolute(reverse("lti:login-any"))
    if registration is not None and registration.pk is not None:
        # This registration's own: for platforms that do not send their client ID with it.
        login = absolute(reverse("lti:login", kwargs={"registration_uuid": registration.uuid}))
    urls.insert(0, (_("Initiate login URL (OIDC login initiation)"), login))
    return urls


@admin.register(CohortLink)
class CohortLinkAdmin(admin.ModelAdmin):
    list_display = ["context", "course", "cohort", "created_at"]
    list_select_related = ["context", "course", "cohort"]
    readonly_fields = ["context", "course", "cohort", "created_at"]
    actions = ["read_roster"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Read the platform's roster into the cohort (NRPS)"))
    def read_roster(self, request, queryset):
        for link in queryset.select_related("context__deployment__registration", "cohort"):
            try:
                outcome = sync_roster(link)
            except DomainError as error:
                self.message_user(request, f"{link}: {error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(link)s: %(enrolled)d enrolled, %(facilitators)d new facilitators, "
                  "%(skipped)d skipped, %(gone)d no longer on the roster (left enrolled).")
                % {"link": link, "enrolled": outcome.enrolled, "facilitators": outcome.facilitators,
                   "skipped": len(outcome.skipped), "gone": outcome.not_on_platform},
            )  # fmt: skip


@admin.register(GradeLink)
class GradeLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "quiz", "lineitem_url", "created_at"]
    list_select_related = ["user", "course", "quiz"]
    readonly_fields = [f.name for f in GradeLink._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Score)
class ScoreAdmin(OutboxAdmin):
    """The scores sent to the platforms' gradebooks, and those waiting."""

    list_display = [
        "grade_link",
        "score_given",
        "created_at",
        "pending",
        "sent_at",
        "tries",
        "next_try_at",
        "rejected",
    ]
    list_select_related = ["grade_link"]
