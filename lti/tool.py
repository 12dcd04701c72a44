"""The glue to pylti1p3 and django-lti: which registration and deployment a message names, the
OIDC login initiation and the validation of a launch. Validation itself is pylti1p3's (state,
nonce issued by us, registration by issuer and client id, RS256 signature against the
platform's key set, expiry, deployment, message claims); nothing here re-implements it.
"""

from __future__ import annotations

import requests
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from lti_tool.models import Key, LtiDeployment
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.service_connector import REQUESTS_USER_AGENT

# Errors a hostile or broken launch can raise inside pylti1p3 besides its own LtiException and
# OIDCException (a JWT body that is not an object, a claim of the wrong type).
MALFORMED = (ValueError, TypeError, KeyError, AttributeError)
TIMEOUT_SECONDS = 15


class TimeoutSession(requests.Session):
    """requests with a timeout on every call (pylti1p3 gives none: a platform that never
    answers would hold a worker for ever)."""

    def __init__(self):
        super().__init__()
        self.headers["User-Agent"] = REQUESTS_USER_AGENT

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class ToolConfig(DjangoToolConfig):
    """django-lti's configuration, except that a deployment must be registered, and active,
    in the admin: django-lti would create an unknown one (inactive) on the first launch, which
    writes to the database for a launch that is then refused."""

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        lookups = {
            "registration__issuer": iss,
            "registration__is_active": True,
            "deployment_id": deployment_id,
            "is_active": True,
        }
        if client_id is not None:
            lookups["registration__client_id"] = client_id
        if self.registration_uuid is not None:
            lookups["registration__uuid"] = self.registration_uuid
        self.deployment = LtiDeployment.objects.filter(**lookups).first()
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(self.deployment.deployment_id)


def ensure_tool_key() -> Key:
    """The tool's active key pair (it signs deep linking responses and service tokens; its
    public half is the JWKS), generated the first time it is needed."""
    key = Key.objects.active().order_by("-datetime_created").first()
    return key if key is not None else Key.objects.generate()


def launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lti:launch"))


def login_redirect(request: HttpRequest, registration_uuid) -> HttpResponse:
    """Answer a platform's OIDC login initiation: a redirect to its authorisation URL with a
    new state (a short-lived cookie, SameSite=None on HTTPS) and nonce (in the cache). Raises
    OIDCException for an unknown issuer or client, or missing parameters."""
    ensure_tool_key()
    oidc_login = DjangoOIDCLogin(
        request, ToolConfig(registration_uuid), launch_data_storage=DjangoCacheDataStorage()
    )
    # Always to our one launch URL (it must be registered on the platform as a redirect URI);
    # where the person then goes is the launch's business (its target).
    return oidc_login.redirect(launch_url(request))


def validate_launch(request: HttpRequest) -> DjangoMessageLaunch:
    """The launch posted to us, validated by pylti1p3 (LtiException, or one of MALFORMED, when
    it is not a launch we can trust). Validation writes to the cache only, never the database."""
    message_launch = DjangoMessageLaunch(
        request,
        ToolConfig(),
        launch_data_storage=DjangoCacheDataStorage(),
        requests_session=TimeoutSession(),  # it fetches the platform's key set
    )
    message_launch.validate()
    return message_launch
