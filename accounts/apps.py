from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and profiles")

    def ready(self):
        from . import receivers  # noqa: F401 - revokes API tokens on a new password
