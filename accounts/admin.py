from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from .models import User
from .names import normalise_full_name


class NormalisedNameMixin:
    """The full name kept as certificates print it, as on the profile page (accounts.names)."""

    def clean_full_name(self):
        return normalise_full_name(self.cleaned_data.get("full_name") or "")


class UserCreationForm(NormalisedNameMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(NormalisedNameMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "full_name", "country", "organisation_type", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "organisation_type", "country", "deleted_at"]
    search_fields = ["email", "full_name", "organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "full_name",
                    "country",
                    "organisation",
                    "organisation_type",
                    "preferred_language",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "deleted_at"]}),
    ]
    # Set only by the person deleting their account (accounts.services.privacy).
    readonly_fields = ["deleted_at"]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]


# knox's admin (registered first: "knox" comes before "accounts" in INSTALLED_APPS), without its
# form to add a token, which would take an empty expiry for a token that never expires.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    """API tokens: found by owner or by a token's first 15 characters, and revoked by deleting
    them; issued only by POST /api/v1/auth/token/ (accounts.services.issue_api_token)."""

    def has_add_permission(self, request):
        return False
