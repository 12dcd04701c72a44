"""API token authentication: django-rest-knox's, hardened where it is not."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """`Authorization: Token <token>`, a token from POST /api/v1/auth/token/ (knox: looked up by
    its digest, refused once expired or revoked).

    Two differences from knox's own lookup. A token that is not UTF-8 is refused as DRF's own
    token authentication refuses it (knox decodes it unguarded, which is a 500). And a request
    reads only the tokens that can match it, in one query: knox also reads every other token of
    the user, on every request, to delete the expired ones, which the daily purge does
    (accounts.tasks.purge_expired_api_tokens_task); an expired token is refused here all the same.
    """

    def authenticate_credentials(self, token):
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Token string should not contain invalid characters.")
            ) from None
        candidates = (
            get_token_model()
            .objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
        )
        now = timezone.now()
        for candidate in candidates:
            if candidate.expiry is not None and candidate.expiry < now:
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                break
            if compare_digest(digest, candidate.digest):
                return self.validate_user(candidate)
        raise exceptions.AuthenticationFailed(_("Invalid token."))


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme, under the name DRF's token authentication had."""

    target_class = TokenAuthentication
    name = "tokenAuth"
