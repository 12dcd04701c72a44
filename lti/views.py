"""The tool's doors: its key set, the OIDC login initiation, the launch, the content picker of
deep linking, and a cohort's LTI page (its platform courses and the roster sync).

Everything a platform posts is hostile until pylti1p3 has validated it: a launch that fails
(bad signature, expired, wrong audience, unknown deployment, replayed) is answered with a 400
page and changes nothing.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key, LtiDeployment
from pylti1p3.exception import LtiException, OIDCException

from courses.selectors.access import get_managed_cohort
from elearn.errors import DomainError

from .exceptions import LaunchRefused, NoTarget
from .selectors import list_deep_linking_choices
from .services.deep_linking import DeepLinkingRequest, deep_linking_response
from .services.launch import DEEP_LINKING_CLAIM, accept_launch
from .services.roster import sync_roster
from .services.targets import parse_target
from .tool import MALFORMED, ensure_tool_key, login_redirect, validate_launch

logger = logging.getLogger(__name__)
# A host name and port, nothing that could change the meaning of the policy it goes into.
HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, which platforms check our signatures with."""
    ensure_tool_key()
    return JsonResponse(Key.objects.as_jwks())


@csrf_exempt  # posted by the platform's page; the state and nonce it starts guard the launch
@require_http_methods(["GET", "POST"])
@never_cache
def oidc_login(request: HttpRequest, registration_uuid=None) -> HttpResponse:
    """The platform's third-party login initiation: redirect to its authorisation URL."""
    try:
        return login_redirect(request, registration_uuid)
    except (OIDCException, LtiException) as error:
        logger.info("LTI login initiation refused: %s", error)
        return _refused(request, LaunchRefused())


@csrf_exempt  # a cross-site form post by design; pylti1p3 checks state, nonce and signature
@xframe_options_exempt  # a deep linking launch answers in the platform's dialog (_frame_for)
@require_POST
@never_cache
def launch(request: HttpRequest) -> HttpResponse:
    """A resource link or deep linking launch: validate, accept, sign in, open the target."""
    try:
        message_launch = validate_launch(request)
    except (LtiException, *MALFORMED) as error:
        logger.info("LTI launch refused: %s", error)
        return _refused(request, LaunchRefused())
    if not (message_launch.is_resource_launch() or message_launch.is_deep_link_launch()):
        return _refused(request, NoTarget())
    try:
        outcome = accept_launch(message_launch)
    except LaunchRefused as refusal:
        return _refused(request, refusal)
    except MALFORMED as error:  # signed by the platform, but claims of the wrong shape
        logger.warning("LTI launch with malformed claims refused: %s", error)
        return _refused(request, LaunchRefused())
    login(request, outcome.user, backend="django.contrib.auth.backends.ModelBackend")
    if outcome.target is None:  # deep linking: the instructor picks what to add, here
        data = message_launch.get_launch_data()
        pending = DeepLinkingRequest(
            deployment_id=message_launch.get_tool_conf().deployment.pk,
            settings=data[DEEP_LINKING_CLAIM],
        )
        return _picker(request, pending)
    if outcome.instructor:
        messages.info(
            request,
            _("You facilitate the cohort %(cohort)s: its dashboard is under Facilitate.")
            % {"cohort": outcome.cohort.name},
        )
    return redirect(outcome.target.get_absolute_url())


@csrf_exempt  # in the platform's frame no cookie of ours may come: the signed request guards it
@xframe_options_exempt  # framed by the platform only (_frame_for)
@require_POST
@never_cache
def deep_linking(request: HttpRequest) -> HttpResponse:
    """The instructor's choice of a course, module or quiz, answered to the platform as a
    signed form post. The deep linking request travels in the picker's form, signed by us and
    good for DEEP_LINKING_MAX_AGE, so the picker works inside the platform's dialog, where
    browsers send no SameSite=Lax cookie (no session, no CSRF cookie)."""
    try:
        pending = DeepLinkingRequest.from_token(request.POST.get("request", ""))
        deployment = LtiDeployment.objects.select_related("registration").get(
            pk=pending.deployment_id, is_active=True
        )
    except (BadSignature, LtiDeployment.DoesNotExist):
        return _refused(request, LaunchRefused())
    target = parse_target(request.POST.get("target"))
    if target is None:
        return _picker(request, pending, error=_("Choose a course, module or quiz."))
    try:
        response = deep_linking_response(
            target,
            deployment=deployment,
            settings=pending.settings,
            launch_url=request.build_absolute_uri(reverse("lti:launch")),
        )
    except LaunchRefused as refusal:
        return _refused(request, refusal)
    page = render(request, "lti/deep_linking_response.html", {"response": response})
    return _frame_for(page, pending.settings)


def _picker(request: HttpRequest, pending: DeepLinkingRequest, *, error=None) -> HttpResponse:
    page = render(
        request,
        "lti/deep_linking.html",
        {"courses": list_deep_linking_choices(), "error": error, "request_token": pending.token()},
        status=400 if error else 200,
    )
    return _frame_for(page, pending.settings)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_lti(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's platform courses, for its facilitators and admins, and the roster sync."""
    cohort = get_managed_cohort(request.user, cohort_id)
    links = list(cohort.lti_links.select_related("context__deployment__registration"))
    if request.method == "POST":
        link = next((lk for lk in links if str(lk.pk) == request.POST.get("link")), None)
        if link is None:
            return render(
                request,
                "lti/cohort.html",
                {"cohort": cohort, "links": links, "error": _("Choose a platform course.")},
                status=400,
            )
        try:
            outcome = sync_roster(link)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _roster_message(outcome))
            for skipped in outcome.skipped:
                messages.warning(request, skipped)
        return redirect("lti-cohort", cohort_id=cohort.pk)
    return render(request, "lti/cohort.html", {"cohort": cohort, "links": links})


def _roster_message(outcome) -> str:
    return _(
        "Roster read: %(enrolled)d enrolled, %(facilitators)d new facilitators, %(unchanged)d "
        "already here, %(skipped)d skipped; %(gone)d enrolled here are no longer on the "
        "platform's roster (left enrolled)."
    ) % {
        "enrolled": outcome.enrolled,
        "facilitators": outcome.facilitators,
        "unchanged": outcome.unchanged,
        "skipped": len(outcome.skipped),
        "gone": outcome.not_on_platform,
    }


def _refused(request: HttpRequest, refusal: DomainError) -> HttpResponse:
    return render(
        request, "lti/refused.html", {"reason": refusal.message}, status=refusal.status_code
    )


def _frame_for(response: HttpResponse, deep_linking_settings: dict) -> HttpResponse:
    """Let the platform (the origin of its deep linking return URL) frame the page and receive
    its form: platforms open content selection in a dialog. Every other page stays unframable."""
    url = deep_linking_settings.get("deep_link_return_url", "")
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme not in ("http", "https") or not HOST.fullmatch(parts.netloc):
        return response  # the site's own policy: deep_linking_response refuses such a request
    origin = f"{parts.scheme}://{parts.netloc}"
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    ).replace("frame-ancestors 'none'", f"frame-ancestors 'self' {origin}")
    return response
