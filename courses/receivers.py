"""Courses' answers to other apps' signals. Receivers hold no rules: they call a service."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services.bulk import accept_invitations
from .templatetags.facilitation import remember_facilitation


@receiver(email_confirmed)
def enrol_invited_address(sender, email_address, **kwargs):
    accept_invitations(email_address.user, email_address.email)


@receiver(user_logged_in)
def remember_facilitation_on_sign_in(sender, request, user, **kwargs):
    # Signing in writes the session anyway: the main menu then needs no query of its own.
    if request is not None and hasattr(request, "session") and not user.is_staff:
        remember_facilitation(request, user)
