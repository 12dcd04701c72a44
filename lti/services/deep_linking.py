"""Deep Linking 2.0: the signed answer to a platform's request for content.

The instructor picked a target; the platform gets one LtiResourceLink content item: its title,
our launch URL, the custom parameter naming the target (services/targets.py) and, for a course
or a quiz, a line item (out of 100) so that the platform makes a gradebook column and sends its
URL in each launch's AGS claim. The JWT is signed by pylti1p3 with the tool's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from lti_tool.models import LtiDeployment
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from ..exceptions import LaunchRefused
from ..scores import MAXIMUM
from ..tool import ensure_tool_key
from .targets import TARGET_PARAMETER, Target

# How long an instructor may take to choose, after the platform's request.
DEEP_LINKING_MAX_AGE = 3600
_SALT = "lti.deep-linking-request"


@dataclass(frozen=True)
class DeepLinkingRequest:
    """A platform's validated deep linking request, carried by the picker's form, signed."""

    deployment_id: int  # lti_tool.LtiDeployment's pk
    settings: dict  # its deep_linking_settings claim

    def token(self) -> str:
        return signing.dumps(
            {"deployment": self.deployment_id, "settings": self.settings}, salt=_SALT
        )

    @classmethod
    def from_token(cls, token: str) -> DeepLinkingRequest:
        """BadSignature (or SignatureExpired) unless we signed it, within DEEP_LINKING_MAX_AGE."""
        data = signing.loads(token, salt=_SALT, max_age=DEEP_LINKING_MAX_AGE)
        if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
            raise signing.BadSignature("Not a deep linking request.")
        return cls(deployment_id=data.get("deployment"), settings=data["settings"])


@dataclass(frozen=True)
class DeepLinkingResponse:
    return_url: str
    jwt: str


def deep_linking_response(
    target: Target, *, deployment: LtiDeployment, settings: dict, launch_url: str
) -> DeepLinkingResponse:
    """The signed deep linking response naming `target`, for the request's `settings` (its
    deep_linking_settings claim). LaunchRefused if the request gave no usable return URL."""
    return_url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
        raise LaunchRefused()
    ensure_tool_key()
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(target.title)
        .set_custom_params({TARGET_PARAMETER: target.reference})
    )
    if target.graded:
        resource.set_lineitem(
            LineItem()
            .set_label(target.title)
            .set_score_maximum(float(MAXIMUM))
            .set_resource_id(target.reference)
        )
    deep_link = DeepLink(
        deployment.registration.to_registration(), deployment.deployment_id, settings
    )
    return DeepLinkingResponse(return_url=return_url, jwt=deep_link.get_response_jwt([resource]))
