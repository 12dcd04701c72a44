"""Enrolment and completion under concurrent requests. PostgreSQL only: SQLite ignores
select_for_update and serialises every writer, so it cannot show a race."""

from collections import Counter
from functools import partial

import pytest

from courses.exceptions import AlreadyEnrolled, CohortFull
from courses.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from courses.services.enrolment import enrol, ensure_default_cohort
from courses.services.progress import LessonCompletionOutcome, record_lesson_completion
from tests.concurrency import on_postgresql, run_together
from tests.factories import enrol_user, make_cohort, make_course, make_user

pytestmark = [pytest.mark.django_db(transaction=True), on_postgresql]


def kind(outcome):
    return type(outcome).__name__


def test_twenty_self_enrolments_for_the_last_five_places_admit_exactly_five():
    course = make_course()
    cohort = make_cohort(course, capacity=10)
    for _ in range(5):
        enrol_user(make_user(), course, cohort)
    users = [make_user() for _ in range(20)]

    outcomes = run_together(*[partial(enrol, user, cohort) for user in users])

    assert Counter(kind(o) for o in outcomes) == {"Enrolment": 5, "CohortFull": 15}
    assert all(isinstance(o, Enrolment | CohortFull) for o in outcomes)
    active = Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE)
    assert active.count() == 10


def test_enrolling_at_once_in_two_cohorts_of_a_course_leaves_one_current_enrolment():
    course = make_course()
    user = make_user()
    cohorts = [make_cohort(course), make_cohort(course)]

    outcomes = run_together(*[partial(enrol, user, cohort) for cohort in cohorts])

    assert all(isinstance(o, Enrolment | AlreadyEnrolled) for o in outcomes), outcomes
    current = Enrolment.objects.filter(user=user).exclude(status=EnrolmentStatus.WITHDRAWN)
    assert current.count() == 1


def test_default_cohort_asked_for_at_once_is_created_once():
    course = make_course(published=False)  # no default cohort yet

    outcomes = run_together(*[partial(ensure_default_cohort, course) for _ in range(5)])

    assert {o.pk for o in outcomes} == {Cohort.objects.get(course=course, is_default=True).pk}


def test_last_two_lessons_completed_at_once_complete_the_course_once(completed_events):
    # Several rounds, so that the two threads overlap in more than one order.
    for _ in range(5):
        course = make_course(modules=1, lessons_per_module=2)
        user = make_user()
        enrolment = enrol_user(user, course)
        lessons = list(course.lessons.order_by("order"))
        completed_events.clear()

        outcomes = run_together(
            *[partial(record_lesson_completion, user, lesson) for lesson in lessons]
        )

        assert all(isinstance(o, LessonCompletionOutcome) for o in outcomes), outcomes
        assert sorted(o.course_completed for o in outcomes) == [False, True]
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.COMPLETED
        assert [e["enrolment_id"] for e in completed_events] == [enrolment.pk]


def test_double_clicked_mark_as_complete_records_one_completion_and_one_event(
    completed_events,
):
    for _ in range(5):
        course = make_course(modules=1, lessons_per_module=2)
        user = make_user()
        enrolment = enrol_user(user, course)
        first, last = course.lessons.order_by("order")
        LessonCompletion.objects.create(user=user, lesson=first, completed_at=enrolment.enrolled_at)
        completed_events.clear()

        outcomes = run_together(*[partial(record_lesson_completion, user, last) for _ in range(2)])

        assert all(isinstance(o, LessonCompletionOutcome) for o in outcomes), outcomes
        assert sorted(o.created for o in outcomes) == [False, True]
        assert sorted(o.course_completed for o in outcomes) == [False, True]
        assert outcomes[0].completion.pk == outcomes[1].completion.pk
        assert outcomes[0].completion.completed_at == outcomes[1].completion.completed_at
        assert LessonCompletion.objects.filter(user=user, lesson=last).count() == 1
        assert [e["enrolment_id"] for e in completed_events] == [enrolment.pk]
