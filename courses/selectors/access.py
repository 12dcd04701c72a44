"""Who may reach what in courses: the rules every page, API endpoint, export and service asks.

- A participant reaches a course's content through their current enrolment (active or
  completed): `get_current_enrolment`.
- Admins manage every cohort; facilitators the cohorts they are named on: `can_manage_cohort`
  (a yes or no, for services and buttons), `list_managed_cohorts` (the facilitator pages' list)
  and `get_managed_cohort` (a page's or an endpoint's cohort: Http404 for one out of reach,
  which the API answers as `404 not_found`, so that a cohort's existence does not leak).
- `offers_facilitation`: whether to show someone the facilitator pages at all.

Each is read afresh from the database on every call: a facilitator removed from a cohort, or a
participant who withdrew, loses access with their next request. Quizzes and attempts follow
these rules in quizzes.selectors, certificate downloads in certificates.selectors.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import FACILITATORS_GROUP, User

from ..models import Cohort, Course, Enrolment, EnrolmentStatus

CURRENT = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def get_current_enrolment(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in the course that is not withdrawn (active or completed), if any."""
    if not user.is_authenticated:
        return None
    return (
        Enrolment.objects.select_related("cohort")
        .filter(user=user, course=course, status__in=CURRENT)
        .first()
    )


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    """Admins manage every cohort; facilitators the cohorts they facilitate. At most one query."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return cohort.facilitators.filter(pk=user.pk).exists()


def list_managed_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts a user manages (every cohort for admins; none for anyone signed out), with
    their course and numbers of active and completed enrolments (`active_count`,
    `completed_count`), in one query."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    cohorts = Cohort.objects.all() if user.is_staff else Cohort.objects.filter(facilitators=user)
    return (
        cohorts.select_related("course")
        .annotate(
            active_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)),
            completed_count=Count(
                "enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED)
            ),
        )
        .order_by("course__title", "course_id", "-is_default", "starts_on", "name", "pk")
    )


def get_managed_cohort(user: User, cohort_id: int) -> Cohort:
    """A cohort the user manages (list_managed_cohorts: with its course and counts); Http404
    for any other, as for one that does not exist. One query."""
    cohort = list_managed_cohorts(user).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def offers_facilitation(user: User) -> bool:
    """Whether to show a user the facilitator pages: admins, the Facilitators group and anyone
    who facilitates a cohort. At most one query."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    in_group = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name=FACILITATORS_GROUP
    )
    facilitates = Cohort.facilitators.through.objects.filter(user_id=OuterRef("pk"))
    return User.objects.filter(Q(Exists(in_group)) | Q(Exists(facilitates)), pk=user.pk).exists()
