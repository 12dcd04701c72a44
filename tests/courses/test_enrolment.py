"""Enrolment services: self-enrolment rules, enrolment by facilitators, moves and withdrawal."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses.exceptions import (
    CohortFull,
    EnrolmentClosed,
    EnrolmentCompleted,
    NotAllowed,
    WrongEnrolmentKey,
)
from courses.models import Enrolment, EnrolmentStatus
from courses.selectors.access import get_current_enrolment
from courses.services.enrolment import enrol, ensure_default_cohort, withdraw
from courses.services.progress import record_lesson_completion
from tests.factories import enrol_user, make_cohort, make_course, make_user


def test_participant_enrols_themself_in_the_default_cohort(participant, course):
    cohort = ensure_default_cohort(course)

    enrolment = enrol(participant, cohort)

    assert enrolment.cohort == cohort
    assert enrolment.course == course
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.enrolled_by is None
    assert get_current_enrolment(participant, course) == enrolment


def test_default_cohort_is_created_once(db):
    course = make_course(published=False)  # the factory makes it only for published courses

    first = ensure_default_cohort(course)

    assert first.is_default
    assert ensure_default_cohort(course) == first
    assert course.cohorts.count() == 1


def test_enrolling_again_in_the_same_cohort_changes_nothing(participant, course):
    cohort = ensure_default_cohort(course)
    first = enrol(participant, cohort)

    again = enrol(participant, cohort)

    assert again.pk == first.pk
    assert Enrolment.objects.filter(user=participant).count() == 1


@pytest.mark.parametrize("key", [None, "", "wrong", "OPEN-SESAME"])
def test_wrong_or_missing_key_is_refused_and_enrols_nobody(participant, course, key):
    cohort = make_cohort(course, enrolment_key="open-sesame")

    with pytest.raises(WrongEnrolmentKey):
        enrol(participant, cohort, key=key)

    assert not Enrolment.objects.filter(user=participant).exists()


def test_right_key_enrols_even_with_surrounding_spaces(participant, course):
    cohort = make_cohort(course, enrolment_key="open-sesame")

    enrolment = enrol(participant, cohort, key="  open-sesame ")

    assert enrolment.cohort == cohort


@pytest.mark.parametrize(
    "closed",
    [
        pytest.param({"enrolment_open": False}, id="closed-cohort"),
        pytest.param({"ends_on": -1}, id="ended-cohort"),
    ],
)
def test_closed_or_ended_cohort_refuses_self_enrolment(participant, course, closed):
    if "ends_on" in closed:
        closed = {"ends_on": timezone.localdate() + timedelta(days=closed["ends_on"])}
    cohort = make_cohort(course, **closed)

    with pytest.raises(EnrolmentClosed):
        enrol(participant, cohort)

    assert not Enrolment.objects.filter(user=participant).exists()


def test_cohort_ending_today_still_takes_enrolments(participant, course):
    cohort = make_cohort(course, ends_on=timezone.localdate())

    assert enrol(participant, cohort).cohort == cohort


def test_the_course_page_offers_exactly_the_cohorts_enrol_takes_in_their_own_time_zones(
    participant, course, monkeypatch
):
    from datetime import UTC, date, datetime

    from courses.selectors import list_joinable_cohorts

    # 20:00 UTC on 10 March: already 11 March in Auckland, still 10 March in Lima.
    now = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    ended = make_cohort(course, ends_on=date(2026, 3, 10), time_zone="Pacific/Auckland")
    last_day = make_cohort(course, ends_on=date(2026, 3, 10), time_zone="America/Lima")
    # Ended the day before in UTC, but not where it runs.
    ahead = make_cohort(course, ends_on=date(2026, 3, 9), time_zone="Pacific/Kiritimati")
    behind = make_cohort(course, ends_on=date(2026, 3, 9), time_zone="Pacific/Pago_Pago")

    offered = set(list_joinable_cohorts(course)) - {ensure_default_cohort(course)}
    assert offered == {last_day}
    for cohort in (ended, ahead, behind):
        with pytest.raises(EnrolmentClosed):
            enrol(participant, cohort)
    assert enrol(participant, last_day).cohort == last_day


def test_unpublished_course_refuses_self_enrolment(participant, db):
    draft = make_course(published=False)
    cohort = ensure_default_cohort(draft)

    with pytest.raises(EnrolmentClosed):
        enrol(participant, cohort)

    assert not Enrolment.objects.exists()


def test_full_cohort_refuses_self_enrolment(participant, course):
    cohort = make_cohort(course, capacity=2)
    for _ in range(2):
        enrol_user(make_user(), course, cohort)

    with pytest.raises(CohortFull):
        enrol(participant, cohort)

    assert not Enrolment.objects.filter(user=participant).exists()


def test_withdrawn_and_completed_enrolments_free_their_place(participant, course):
    cohort = make_cohort(course, capacity=2)
    left = enrol_user(make_user(), course, cohort)
    Enrolment.objects.filter(pk=left.pk).update(
        status=EnrolmentStatus.WITHDRAWN, withdrawn_at=timezone.now()
    )
    done = enrol_user(make_user(), course, cohort)
    Enrolment.objects.filter(pk=done.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )

    assert enrol(participant, cohort).cohort == cohort


@pytest.mark.parametrize("manager", ["facilitator", "admin_user"])
def test_facilitator_or_admin_enrols_whatever_the_key_closure_and_capacity(
    request, participant, manager
):
    enrolled_by = request.getfixturevalue(manager)
    draft = make_course(published=False)
    cohort = make_cohort(
        draft,
        enrolment_key="secret",
        enrolment_open=False,
        ends_on=timezone.localdate() - timedelta(days=1),
        starts_on=timezone.localdate() - timedelta(days=30),
        capacity=1,
    )
    cohort.facilitators.add(request.getfixturevalue("facilitator"))
    enrol_user(make_user(), draft, cohort)

    enrolment = enrol(participant, cohort, enrolled_by=enrolled_by)

    assert enrolment.cohort == cohort
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.enrolled_by == enrolled_by


def test_facilitator_of_another_cohort_may_not_enrol_people(participant, facilitator, course):
    theirs = make_cohort(course)
    theirs.facilitators.add(facilitator)
    other = make_cohort(course)

    with pytest.raises(NotAllowed):
        enrol(participant, other, enrolled_by=facilitator)

    assert not Enrolment.objects.filter(user=participant).exists()


def test_participant_may_not_enrol_someone_else(participant, other_participant, course):
    with pytest.raises(NotAllowed):
        enrol(other_participant, ensure_default_cohort(course), enrolled_by=participant)

    assert not Enrolment.objects.exists()


def test_enrolling_in_another_cohort_moves_the_enrolment_and_keeps_progress(participant, course):
    default = ensure_default_cohort(course)
    first = enrol(participant, default)
    lesson = course.lessons.first()
    record_lesson_completion(participant, lesson)
    later = make_cohort(course)

    moved = enrol(participant, later)

    assert moved.pk == first.pk
    assert moved.cohort == later
    assert Enrolment.objects.filter(user=participant).count() == 1
    # Completions belong to the participant: marking the lesson again finds the first one.
    again = record_lesson_completion(participant, lesson)
    assert again.completion.lesson == lesson
    assert again.created is False
    assert participant.lesson_completions.count() == 1


def test_moving_back_to_a_cohort_once_left_replaces_the_old_withdrawn_row(participant, course):
    first_cohort = make_cohort(course)
    second_cohort = make_cohort(course)
    left = enrol(participant, first_cohort)
    withdraw(left, by=participant)
    current = enrol(participant, second_cohort)

    moved = enrol(participant, first_cohort)

    assert moved.pk == current.pk
    assert moved.cohort == first_cohort
    assert list(Enrolment.objects.filter(user=participant)) == [moved]


def test_withdrawing_keeps_progress_and_enrolling_again_reactivates_the_same_row(
    participant, course
):
    cohort = ensure_default_cohort(course)
    enrolment = enrol(participant, cohort)
    record_lesson_completion(participant, course.lessons.first())

    withdrawn = withdraw(enrolment, by=participant)

    assert withdrawn is True
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.withdrawn_at is not None
    assert get_current_enrolment(participant, course) is None
    assert participant.lesson_completions.count() == 1

    back = enrol(participant, cohort)

    assert back.pk == enrolment.pk
    assert back.status == EnrolmentStatus.ACTIVE
    assert back.withdrawn_at is None
    assert participant.lesson_completions.count() == 1


def test_withdrawing_twice_changes_nothing(participant, course):
    enrolment = enrol(participant, ensure_default_cohort(course))
    assert withdraw(enrolment, by=participant) is True
    withdrawn_at = Enrolment.objects.get(pk=enrolment.pk).withdrawn_at

    again = withdraw(enrolment, by=participant)

    assert again is False
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.withdrawn_at == withdrawn_at


def test_completed_enrolment_cannot_be_withdrawn(participant, course):
    enrolment = enrol_user(participant, course)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )

    with pytest.raises(EnrolmentCompleted):
        withdraw(enrolment, by=participant)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.withdrawn_at is None


def test_facilitator_withdraws_participants_of_their_cohort_only(
    participant, other_participant, facilitator, course
):
    theirs = make_cohort(course)
    theirs.facilitators.add(facilitator)
    in_theirs = enrol_user(participant, course, theirs)
    elsewhere = enrol_user(other_participant, course)

    assert withdraw(in_theirs, by=facilitator) is True
    assert in_theirs.status == EnrolmentStatus.WITHDRAWN
    with pytest.raises(NotAllowed):
        withdraw(elsewhere, by=facilitator)
    with pytest.raises(NotAllowed):
        withdraw(elsewhere, by=participant)
    elsewhere.refresh_from_db()
    assert elsewhere.status == EnrolmentStatus.ACTIVE


def test_database_allows_one_current_enrolment_per_participant_and_course(participant, course):
    enrol_user(participant, course)
    other_cohort = make_cohort(course)

    with pytest.raises(IntegrityError):
        Enrolment.objects.create(user=participant, cohort=other_cohort, course=course)


def test_database_allows_withdrawn_enrolments_beside_the_current_one(participant, course):
    old = enrol_user(participant, course, make_cohort(course))
    Enrolment.objects.filter(pk=old.pk).update(status=EnrolmentStatus.WITHDRAWN)

    enrol_user(participant, course)  # no IntegrityError

    assert Enrolment.objects.filter(user=participant).count() == 2


def test_database_refuses_a_completed_enrolment_without_completion_time(participant, course):
    enrolment = enrol_user(participant, course)

    with pytest.raises(IntegrityError):
        Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.COMPLETED)
