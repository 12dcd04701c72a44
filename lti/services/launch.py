"""Accepting a validated launch: who it signs in, which cohort it puts them in, what it opens.

The launch was validated by pylti1p3 (lti/tool.py). Here, in one transaction: its nonce is
spent (a second post of the same id_token is refused); django-lti records the platform's user,
context, membership and resource link; the platform's user gets their account
(services/identity.py); the context's cohort for the target's course is found or created
(closed to self-enrolment, named after the context); instructors become its facilitators and
everyone else is enrolled (courses.services.enrolment.enrol, by the platform); a graded target
with a line item gets its grade link. Any refusal rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from lti_tool.models import LtiContext, LtiLaunch, LtiUser
from lti_tool.utils import sync_data_from_launch

from accounts.models import User
from accounts.services import make_facilitator
from courses.models import Cohort, Course, EnrolmentStatus
from courses.services.enrolment import enrol

from ..exceptions import InstructorsOnly, LaunchReplayed, NoTarget
from ..models import CohortLink, GradeLink, UsedNonce
from ..scores import best_quiz_score, record_course_score, record_quiz_score
from .identity import account_for, is_instructor
from .targets import Target, target_of_launch

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@dataclass(frozen=True)
class LaunchOutcome:
    """What accept_launch did: whom to sign in; the target and cohort (None for a deep
    linking launch); whether they are an instructor and whether their account is new."""

    user: User
    target: Target | None
    cohort: Cohort | None
    instructor: bool
    account_created: bool


@transaction.atomic
def accept_launch(message_launch) -> LaunchOutcome:
    """Accept a validated resource link or deep linking launch (a pylti1p3 MessageLaunch); see
    the module's docstring. Raises a LaunchRefused, changing nothing, when it is a replay, names
    no target, gives no usable email, would link an unverified address or an admin's account,
    or is a deep linking request from someone who does not teach."""
    data = message_launch.get_launch_data()
    launch = LtiLaunch(message_launch)
    _spend_nonce(launch, data.get("nonce"))
    deep_linking = message_launch.is_deep_link_launch()
    target = None if deep_linking else target_of_launch(data)
    if target is None and not deep_linking:
        raise NoTarget()
    instructor = is_instructor(data.get("https://purl.imsglobal.org/spec/lti/claim/roles"))
    if deep_linking and not instructor:
        raise InstructorsOnly()

    sync_data_from_launch(launch)
    lti_user = launch.user
    user, created = account_for(lti_user, email=data.get("email"), name=_name(data))
    if instructor:
        make_facilitator(user)
    if deep_linking:
        return LaunchOutcome(user, None, None, instructor, created)

    cohort = cohort_for_context(launch.context, target.course)
    if instructor:
        cohort.facilitators.add(user)
    else:
        enrolment = enrol(user, cohort, by_system=True)
        _link_grades(lti_user, user, target, data.get(AGS_CLAIM), enrolment)
    return LaunchOutcome(user, target, cohort, instructor, created)


def _spend_nonce(launch: LtiLaunch, nonce) -> None:
    try:
        with transaction.atomic():
            UsedNonce.objects.create(registration=launch.registration, nonce=str(nonce)[:255])
    except IntegrityError:
        raise LaunchReplayed() from None


def _name(data: dict) -> str | None:
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        return name
    parts = [data.get("given_name"), data.get("family_name")]
    return " ".join(part for part in parts if isinstance(part, str)) or None


def cohort_for_context(context: LtiContext, course: Course) -> Cohort:
    """The cohort of the course that the platform's context maps to, created (closed to
    self-enrolment: the platform enrols) the first time a link of the context opens the
    course."""
    link = CohortLink.objects.select_related("cohort").filter(context=context, course=course)
    if existing := link.first():
        return existing.cohort
    registration = context.deployment.registration
    label = context.title or context.label or context.id_on_platform or registration.name
    try:
        with transaction.atomic():
            cohort = Cohort.objects.create(
                course=course, name=f"{label} ({registration.name})"[:200], enrolment_open=False
            )
            CohortLink.objects.create(context=context, course=course, cohort=cohort)
            return cohort
    except IntegrityError:  # the context's first two launches at once
        return link.get().cohort


def _link_grades(lti_user: LtiUser, user: User, target: Target, ags, enrolment) -> None:
    """Remember where the target's score goes (the launch's line item, when the platform lets
    us post scores), and send what is already owed: a course completed, a quiz passed before
    this link was first launched."""
    if not target.graded or not isinstance(ags, dict):
        return
    lineitem, scopes = ags.get("lineitem"), ags.get("scope")
    if not isinstance(lineitem, str) or not isinstance(scopes, list) or SCORE_SCOPE not in scopes:
        return
    quiz = target.item if target.kind == "quiz" else None
    _link, created = GradeLink.objects.update_or_create(
        lti_user=lti_user,
        lineitem_url=lineitem[:1000],
        defaults={"user": user, "course": target.course, "quiz": quiz, "scopes": scopes},
    )
    if not created:
        return
    if quiz is None and enrolment.status == EnrolmentStatus.COMPLETED:
        record_course_score(enrolment)
    elif quiz is not None and best_quiz_score(user.pk, quiz.pk) is not None:
        latest = quiz.attempts.filter(user=user, submitted_at__isnull=False).latest("submitted_at")
        record_quiz_score(latest)
