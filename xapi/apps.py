from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xapi"
    verbose_name = _("Learning records (xAPI)")
