"""Cohorts and enrolments: self-enrolment, enrolment by facilitators, moves and withdrawal."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from xapi.statements import record_registration

from ..events import cohort_closed
from ..exceptions import (
    AlreadyEnrolled,
    CohortFull,
    EnrolmentClosed,
    NotAllowed,
    WrongEnrolmentKey,
)
from ..models import Cohort, Course, Enrolment, EnrolmentStatus
from ..selectors.access import CURRENT, can_manage_cohort


def ensure_default_cohort(course: Course) -> Cohort:
    """The course's self-paced default cohort, created the first time it is needed (see
    courses.services.publishing.publish_course, which every door that publishes calls)."""
    cohort = Cohort.objects.filter(course=course, is_default=True).first()
    if cohort is not None:
        return cohort
    try:
        with transaction.atomic():
            # Stored untranslated; pages show the default cohort's name in the reader's language.
            return Cohort.objects.create(course=course, is_default=True, name="Self-paced")
    except IntegrityError:  # created at the same moment by another request
        return Cohort.objects.get(course=course, is_default=True)


@transaction.atomic
def enrol(
    user: User,
    cohort: Cohort,
    *,
    key: str | None = None,
    enrolled_by: User | None = None,
    by_system: bool = False,
) -> Enrolment:
    """Enrol a participant in a cohort, or move their current enrolment there.

    Self-enrolment (no `enrolled_by`, or oneself) needs the course published, the cohort open,
    the right key if it has one, and a free place (capacity counts active enrolments). Someone
    who manages the cohort may enrol people whatever those checks say, and so may the platform
    itself (`by_system`: an accepted invitation, a manager enrolling themself by upload).
    Enrolling again in the same cohort changes nothing; a current enrolment in another cohort
    of the course moves there, keeping progress; a withdrawn enrolment in this cohort becomes
    active again.
    """
    # The cohort row lock (that row only, not the course's) queues concurrent enrolments in
    # one cohort, so capacity holds.
    cohort = (
        Cohort.objects.select_for_update(of=("self",)).select_related("course").get(pk=cohort.pk)
    )
    by_manager = enrolled_by is not None and enrolled_by != user
    if by_manager and not by_system and not can_manage_cohort(enrolled_by, cohort):
        raise NotAllowed()
    current = (
        Enrolment.objects.select_for_update()
        .filter(user=user, course=cohort.course, status__in=CURRENT)
        .first()
    )
    if current is not None and current.cohort_id == cohort.pk:
        return current  # already there: nothing to check or change
    if not by_manager and not by_system:
        _check_self_enrolment(user, cohort, key)
    if current is not None:
        return _move(current, cohort)

    previous = Enrolment.objects.select_for_update().filter(user=user, cohort=cohort).first()
    try:
        with transaction.atomic():
            if previous is not None:  # withdrawn: no current enrolment was found above
                previous.rejoin()
                enrolment = previous
            else:
                enrolment = Enrolment.objects.create(
                    user=user,
                    cohort=cohort,
                    course=cohort.course,
                    enrolled_by=enrolled_by if by_manager else None,
                )
    except IntegrityError:
        # Enrolled in another cohort of the course at the same moment.
        raise AlreadyEnrolled() from None
    record_registration(enrolment)
    # Someone coming back may have done everything already (progress is theirs, not the
    # enrolment's).
    from .progress import evaluate_completion  # progress imports this module

    evaluate_completion(enrolment)
    return enrolment


def _check_self_enrolment(user: User, cohort: Cohort, key: str | None) -> None:
    if not cohort.accepts_self_enrolment():
        if cohort.course.published and cohort.enrolment_open:  # open, but over
            raise EnrolmentClosed(_("This cohort has ended."))
        raise EnrolmentClosed()
    if cohort.enrolment_key and not secrets.compare_digest(
        (key or "").strip().encode(), cohort.enrolment_key.encode()
    ):
        raise WrongEnrolmentKey()
    if cohort.capacity is not None:
        taken = cohort.enrolments.filter(status=EnrolmentStatus.ACTIVE).exclude(user=user).count()
        if taken >= cohort.capacity:
            raise CohortFull()


def _move(enrolment: Enrolment, cohort: Cohort) -> Enrolment:
    """Move an enrolment to another cohort of its course; progress stays (it is the user's)."""
    stale = Enrolment.objects.filter(user=enrolment.user, cohort=cohort).first()
    if stale is not None:  # an old withdrawn enrolment in the target cohort
        stale.delete()
    enrolment.cohort = cohort
    enrolment.save(update_fields=["cohort"])
    return enrolment


@transaction.atomic
def withdraw(enrolment: Enrolment, *, by: User) -> bool:
    """Withdraw an active enrolment (the participant themself, or who manages the cohort).

    Returns True if this call withdrew it; withdrawing again changes nothing (False), a
    completed enrolment is refused (EnrolmentCompleted). `enrolment` is updated to its state
    after the call. Progress is kept: enrolling again later picks up where the participant
    left off.
    """
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=enrolment.pk)
    )
    if by.pk != locked.user_id and not can_manage_cohort(by, locked.cohort):
        raise NotAllowed()
    withdrawn = locked.withdraw()
    enrolment.status, enrolment.withdrawn_at = locked.status, locked.withdrawn_at
    return withdrawn


def can_close_cohort(user: User, cohort: Cohort) -> bool:
    """Whether `user` may close the cohort now (close_cohort's rules, for showing the button)."""
    return cohort.closed_at is None and not cohort.is_default and can_manage_cohort(user, cohort)


def close_cohort(cohort: Cohort, *, by: User | None) -> bool:
    """Close a cohort: enrolment stops and `cohort_closed` is sent after commit (certificates
    held for the close are then issued). Closing a closed cohort changes nothing. Returns True
    only for the call that closed it. The self-paced cohort stays open: closing it would stop
    anyone enrolling in the course by themselves."""
    if by is not None and not can_manage_cohort(by, cohort):
        raise NotAllowed()
    if cohort.is_default:
        raise NotAllowed(_("The self-paced cohort of a course stays open."))
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if locked.closed_at is not None:
            return False
        locked.closed_at = timezone.now()
        locked.enrolment_open = False
        locked.save(update_fields=["closed_at", "enrolment_open"])
        cohort_id, closed_by_id = locked.pk, by.pk if by else None
        transaction.on_commit(
            lambda: cohort_closed.send(
                sender=Cohort, cohort_id=cohort_id, closed_by_id=closed_by_id
            )
        )
    cohort.closed_at, cohort.enrolment_open = locked.closed_at, False
    return True
