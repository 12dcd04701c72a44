from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .names import validate_full_name

FACILITATORS_GROUP = "Facilitators"


class OrganisationType(models.TextChoices):
    PROCUREMENT_AGENCY = "procurement_agency", _("Procurement agency")
    MINISTRY = "ministry", _("Ministry or public body")
    NHRI = "nhri", _("National human rights institution")
    NGO = "ngo", _("NGO or civil society")
    ACADEMIC = "academic", _("Academic")
    BUSINESS = "business", _("Business")
    INTERNATIONAL = "international", _("International organisation")
    OTHER = "other", _("Other")


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # The whole address in lower case, not only the domain: allauth looks addresses up in
        # lower case, so an address stored with capitals could never sign in.
        return super().normalize_email(email).lower()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person on the platform. Everyone is a participant; facilitators are a group; admins staff.

    Identified by email. `full_name` is written exactly as it should appear on a certificate, in
    any script; there is no first/last split because many names do not have one.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("full name"),
        max_length=200,
        blank=True,
        help_text=_("Exactly as it should appear on your certificates."),
        validators=[validate_full_name],
    )
    country = CountryField(_("country"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation_type = models.CharField(
        _("organisation type"), max_length=32, choices=OrganisationType.choices, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    # Set when the person deleted their account (accounts.services.privacy.delete_account): the
    # row stays, anonymised, for what statistics and issued certificates still need.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        if self.deleted_at is not None:
            return str(_("Deleted account"))
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return str(self)

    @property
    def is_facilitator(self) -> bool:
        return self.is_staff or self.groups.filter(name=FACILITATORS_GROUP).exists()
