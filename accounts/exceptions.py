from rest_framework import status

from elearn.errors import DomainError


class TooManySignInAttempts(DomainError):
    """allauth's limit on failed sign-ins (ACCOUNT_RATE_LIMITS["login_failed"]) is reached."""

    code = "too_many_login_attempts"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
