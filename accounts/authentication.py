"""API token authentication: django-rest-knox's, hardened where it is not."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """`Authorization: Token <token>`, a token from POST /api/v1/auth/token/ (knox: looked up by
    its digest, refused once expired or revoked).

    A token that is not UTF-8 is refused as DRF's own token authentication refuses it: knox
    decodes it unguarded, which is a 500.
    """

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Token string should not contain invalid characters.")
            ) from None
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme, under the name DRF's token authentication had."""

    target_class = TokenAuthentication
    name = "tokenAuth"
