"""Accounts' answers to allauth's signals. Receivers hold no rules: they call a service."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from .services import revoke_api_tokens


@receiver([password_changed, password_set, password_reset])
def sign_api_clients_out_on_new_password(sender, user, **kwargs):
    # Whoever held the old password may have taken a token with it. The site's other sessions
    # end too: Django ties them to the password's hash.
    revoke_api_tokens(user)
