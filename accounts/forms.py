from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User
from .names import normalise_full_name

STATISTICS_HELP = _(
    "Used only in anonymous statistics on who learns on the platform; never shown to others."
)


class ProfileForm(forms.ModelForm):
    # Labels of required fields carry a mark that the form's note explains
    # (templates/allauth/elements/fields.html); the fields carry `required` for assistive tech.
    required_css_class = "required"

    class Meta:
        model = User
        fields = services.PROFILE_FIELDS
        help_texts = {
            "full_name": _(
                "Exactly as it should appear on your certificates, in any script "
                "(for example José Núñez, Nguyễn Thị Minh or محمد عبد الله)."
            ),
            "country": STATISTICS_HELP,
            "organisation_type": STATISTICS_HELP,
            "preferred_language": _("The language the site is shown in when you are signed in."),
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
            "organisation": forms.TextInput(attrs={"autocomplete": "organization", "dir": "auto"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["organisation_type"].required = True
        for field in self.fields.values():  # a select's empty choice says what to do
            choices = list(getattr(field, "choices", None) or ())
            if choices and choices[0][0] == "":
                field.choices = [("", _("Choose…")), *choices[1:]]

    def clean_full_name(self):
        # Normalised here too, so the form shows (and checks) the name as it will be kept.
        name = normalise_full_name(self.cleaned_data["full_name"])
        if not name:
            raise forms.ValidationError(_("Please enter your full name."))
        return name

    def save(self, commit=True):
        return services.update_profile(
            self.instance, **{field: self.cleaned_data[field] for field in self.Meta.fields}
        )


class SignupProfileForm(ProfileForm):
    """The profile fields asked for at sign-up, added to allauth's email and password fields."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("instance", None)
        super().__init__(*args, **kwargs)

    def signup(self, request, user):
        services.update_profile(
            user, **{field: self.cleaned_data[field] for field in self.Meta.fields}
        )


class DeleteAccountForm(forms.Form):
    """The password again, before the account is deleted (accounts.services.privacy)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
