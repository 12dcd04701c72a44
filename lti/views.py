"""The tool's doors: its key set, the OIDC login initiation, the launch, the content picker of
deep linking, and a cohort's LTI page (its platform courses and the roster sync).

Everything a platform posts is hostile until pylti1p3 has validated it: a launch that fails
(bad signature, expired, wrong audience, unknown deployment, replayed) is answered with a 400
page and changes nothing.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key, LtiDeployment
from pylti1p3.exception import LtiException, OIDCException

from courses.selectors.access import get_managed_cohort
from elearn.errors import DomainError

from .exceptions import LaunchRefused, NoTarget
from .selectors import list_deep_linking_choices
from .services.deep_linking import DEEP_LINKING_SESSION_KEY, deep_linking_response
from .services.launch import accept_launch
from .services.roster import sync_roster
from .services.targets import parse_target
from .tool import MALFORMED, ensure_tool_key, login_redirect, validate_launch

logger = logging.getLogger(__name__)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, which platforms check our signatures with."""
    ensure_tool_key()
    return JsonResponse(Key.objects.as_jwks())


@csrf_exempt  # posted by the platform's page; the state and nonce it starts guard the launch
@require_http_methods(["GET", "POST"])
@never_cache
def oidc_login(request: HttpRequest, registration_uuid) -> HttpResponse:
    """The platform's third-party login initiation: redirect to its authorisation URL."""
    try:
        return login_redirect(request, registration_uuid)
    except (OIDCException, LtiException) as error:
        logger.info("LTI login initiation refused: %s", error)
        return _refused(request, LaunchRefused())


@csrf_exempt  # a cross-site form post by design; pylti1p3 checks state, nonce and signature
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
    login(request, outcome.user, backend="django.contrib.auth.backends.ModelBackend")
    if outcome.target is None:  # deep linking: the instructor picks what to add
        data = message_launch.get_launch_data()
        request.session[DEEP_LINKING_SESSION_KEY] = {
            "deployment": message_launch.get_tool_conf().deployment.pk,
            "settings": data["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"],
        }
        return redirect("lti:deep-linking")
    if outcome.instructor:
        messages.info(
            request,
            _("You facilitate the cohort %(cohort)s: its dashboard is under Facilitate.")
            % {"cohort": outcome.cohort.name},
        )
    return redirect(outcome.target.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def deep_linking(request: HttpRequest) -> HttpResponse:
    """The instructor's choice of a course, module or quiz to add to the platform, after a deep
    linking launch; the choice goes back to the platform as a signed form post."""
    pending = request.session.get(DEEP_LINKING_SESSION_KEY)
    if not isinstance(pending, dict):
        raise Http404("No deep linking request.")
    deployment = (
        LtiDeployment.objects.select_related("registration")
        .filter(pk=pending.get("deployment"))
        .first()
    )
    if deployment is None:
        raise Http404("No deep linking request.")
    error = None
    if request.method == "POST":
        target = parse_target(request.POST.get("target"))
        if target is not None:
            response = deep_linking_response(
                target,
                deployment=deployment,
                settings=pending["settings"],
                launch_url=request.build_absolute_uri(reverse("lti:launch")),
            )
            del request.session[DEEP_LINKING_SESSION_KEY]
            page = render(request, "lti/deep_linking_response.html", {"response": response})
            page["Content-Security-Policy"] = _policy_posting_to(response.return_url)
            return page
        error = _("Choose a course, module or quiz.")
    return render(
        request,
        "lti/deep_linking.html",
        {
            "courses": list_deep_linking_choices(),
            "error": error,
            "platform": deployment.registration.name,
        },
        status=400 if error else 200,
    )


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


def _policy_posting_to(url: str) -> str:
    """The site's policy, letting this page's form post to the platform's origin."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )
