from django.utils.translation import gettext_lazy as _
from rest_framework import status

from elearn.errors import DomainError


class TooManySignInAttempts(DomainError):
    """allauth's limit on failed sign-ins (ACCOUNT_RATE_LIMITS["login_failed"]) is reached."""

    code = "too_many_login_attempts"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class WrongPassword(DomainError):
    """The password given to confirm an action on the account is not theirs."""

    code = "wrong_password"
    default_message = _("This is not your password. Nothing was changed.")


class StaffAccountNotDeletable(DomainError):
    """Admins cannot delete their own account: another admin removes it (and its rights)."""

    code = "staff_account"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = _(
        "Admin accounts cannot be deleted here: ask another admin to remove your account."
    )
