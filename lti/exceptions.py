"""Why a launch, a choice of content or a roster sync is refused (a page says it; nothing is
changed)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from elearn.errors import DomainError


class LaunchRefused(DomainError):
    code = "lti_launch_refused"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("This launch could not be verified. Open the link on your platform again.")


class LaunchReplayed(LaunchRefused):
    code = "lti_launch_replayed"
    default_message = _("This launch was already used. Open the link on your platform again.")


class NoTarget(LaunchRefused):
    code = "lti_no_target"
    default_message = _(
        "This link does not name a published course, module, lesson or quiz of this site. "
        "Ask your instructor to choose the content again."
    )


class EmailMissing(LaunchRefused):
    code = "lti_email_missing"
    default_message = _(
        "Your platform did not send your email address, which this site needs for your "
        "account. Ask its administrator to share it with this tool."
    )


class EmailNotVerified(LaunchRefused):
    code = "lti_email_not_verified"
    status_code = status.HTTP_409_CONFLICT
    default_message = _(
        "An account on this site already uses your email address, but the address is not "
        "verified. Sign in to this site, verify your address, then open the link again."
    )


class AdminNotLinked(LaunchRefused):
    code = "lti_admin_not_linked"
    status_code = status.HTTP_409_CONFLICT
    default_message = _(
        "Your email address belongs to an administrator's account on this site, which is never "
        "signed in from another platform. Sign in to this site directly."
    )


class InstructorsOnly(LaunchRefused):
    code = "lti_instructors_only"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = _("Only the platform's instructors can choose content from this site.")


class NoRoster(DomainError):
    code = "lti_no_roster"
    default_message = _(
        "The platform has not offered its roster (Names and Role Provisioning) for this course."
    )


class RosterUnavailable(DomainError):
    code = "lti_roster_unavailable"
    status_code = status.HTTP_502_BAD_GATEWAY
    default_message = _("The platform's roster could not be read. Try again later.")
