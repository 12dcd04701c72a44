"""Progress services and reads: lesson completion, percentages, Resume, and course completion."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from courses.exceptions import NotEnrolled
from courses.models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonCompletion,
    LessonVisit,
)
from courses.outline import get_outline
from courses.selectors import progress_for
from courses.services.enrolment import enrol, withdraw
from courses.services.progress import (
    ACTIVITY_GRAIN,
    evaluate_completion,
    record_lesson_completion,
    record_lesson_visit,
)
from quizzes.models import Quiz
from tests.factories import enrol_user, make_course


def lessons_of(course):
    return list(Lesson.objects.filter(course=course).order_by("module__order", "order", "id"))


def quizzes_of(course):
    return list(Quiz.objects.filter(course=course).order_by("module__order", "order", "id"))


def progress_of(user, course):
    """The progress pages and the API show, read afresh (the outline follows every change)."""
    course = Course.objects.get(pk=course.pk)
    enrolment = Enrolment.objects.get(user=user, course=course, status__in=["active", "completed"])
    return progress_for(user, get_outline(course), enrolment)


def test_marking_a_lesson_complete_needs_an_enrolment(participant, course):
    with pytest.raises(NotEnrolled):
        record_lesson_completion(participant, lessons_of(course)[0])

    assert not LessonCompletion.objects.exists()


def test_withdrawn_participant_cannot_mark_lessons_complete(participant, course):
    enrolment = enrol_user(participant, course)
    withdraw(enrolment, by=participant)

    with pytest.raises(NotEnrolled):
        record_lesson_completion(participant, lessons_of(course)[0])


def test_enrolment_in_another_course_does_not_count(participant, course):
    enrol_user(participant, make_course())

    with pytest.raises(NotEnrolled):
        record_lesson_completion(participant, lessons_of(course)[0])


def test_completing_a_lesson_twice_keeps_the_first_completion_time(participant, course):
    enrol_user(participant, course)
    lesson = lessons_of(course)[0]
    first = record_lesson_completion(participant, lesson)

    second = record_lesson_completion(participant, lesson)

    assert (first.created, second.created) == (True, False)
    assert second.completion.pk == first.completion.pk
    assert second.completion.completed_at == first.completion.completed_at
    assert LessonCompletion.objects.get().completed_at == first.completion.completed_at


def test_percentages_per_module_and_course_count_required_items_only(
    participant, course, pass_quiz
):
    # Two modules of three lessons and a quiz; lesson 1.3 and the quiz of module 2 are optional.
    lessons, quizzes = lessons_of(course), quizzes_of(course)
    lessons[2].optional = True
    lessons[2].save()  # through save(), so the cached outline follows
    quizzes[1].optional = True
    quizzes[1].save()
    enrol_user(participant, course)
    for lesson in (lessons[0], lessons[2], lessons[3]):
        record_lesson_completion(participant, lesson)
    pass_quiz(participant, quizzes[0])
    pass_quiz(participant, quizzes[1])

    progress = progress_of(participant, course)

    first, second = progress.modules
    assert (first.done, first.total, first.percent) == (2, 3, 66)  # 1.1 and the quiz
    assert (second.done, second.total, second.percent) == (1, 3, 33)  # 2.1
    assert (progress.done, progress.total, progress.percent) == (3, 6, 50)


def test_failed_quiz_attempts_do_not_count_as_progress(participant, course, pass_quiz):
    enrol_user(participant, course)
    pass_quiz(participant, quizzes_of(course)[0], passed=False)

    progress = progress_of(participant, course)

    assert progress.done == 0
    assert progress.passed_quiz_ids == frozenset()


def test_module_of_optional_items_only_counts_as_done(participant, db):
    course = make_course(modules=1, lessons_per_module=1)
    lesson = course.lessons.get()
    lesson.optional = True
    lesson.save()
    enrol_user(participant, course)

    progress = progress_of(participant, course)

    assert progress.modules[0].total == 0
    assert progress.percent == 100


def test_resume_starts_at_the_first_lesson_before_any_visit(participant, course):
    enrol_user(participant, course)

    assert progress_of(participant, course).next_lesson.id == lessons_of(course)[0].pk


def test_resume_goes_to_the_first_unfinished_lesson_after_the_last_visited(participant, course):
    lessons = lessons_of(course)
    enrolment = enrol_user(participant, course)
    for i in (0, 1, 2, 4):
        record_lesson_completion(participant, lessons[i])
    record_lesson_visit(enrolment, lessons[4])

    assert progress_of(participant, course).next_lesson.id == lessons[5].pk


def test_resume_wraps_round_to_unfinished_lessons_before_the_last_visited(participant, course):
    lessons = lessons_of(course)
    enrolment = enrol_user(participant, course)
    for i in (0, 1, 2, 4, 5):
        record_lesson_completion(participant, lessons[i])
    record_lesson_visit(enrolment, lessons[5])

    assert progress_of(participant, course).next_lesson.id == lessons[3].pk


def test_resume_stays_on_a_visited_lesson_not_yet_finished(participant, course):
    lessons = lessons_of(course)
    enrolment = enrol_user(participant, course)
    record_lesson_completion(participant, lessons[0])
    record_lesson_visit(enrolment, lessons[2])

    assert progress_of(participant, course).next_lesson.id == lessons[2].pk


def test_nothing_to_resume_once_every_lesson_is_complete(participant, course):
    enrolment = enrol_user(participant, course)
    for lesson in lessons_of(course):
        record_lesson_completion(participant, lesson)
    record_lesson_visit(enrolment, lessons_of(course)[3])

    assert progress_of(participant, course).next_lesson is None


def test_lesson_visit_is_written_only_when_it_changes(
    participant, course, django_assert_num_queries, django_assert_max_num_queries
):
    first, second = lessons_of(course)[:2]
    enrolment = enrol_user(participant, course)

    # Opening another lesson writes the visit and the enrolment (last lesson, last activity),
    # in a couple of statements; a reload within ACTIVITY_GRAIN makes none at all, which is
    # why that one count is exact.
    with django_assert_max_num_queries(2):
        record_lesson_visit(enrolment, first)
    with django_assert_num_queries(0):
        record_lesson_visit(enrolment, first)
    with django_assert_max_num_queries(2):
        record_lesson_visit(enrolment, second)
    with django_assert_max_num_queries(2):
        record_lesson_visit(enrolment, first)

    enrolment.refresh_from_db()
    assert enrolment.last_lesson == first
    visits = {v.lesson_id: v for v in LessonVisit.objects.filter(user=participant)}
    assert (visits[first.pk].visits, visits[second.pk].visits) == (2, 1)
    assert visits[first.pk].first_visited_at < visits[first.pk].last_visited_at
    assert enrolment.last_activity_at == visits[first.pk].last_visited_at


def test_a_reload_after_a_quarter_of_an_hour_notes_activity_but_no_visit(participant, course):
    lesson = lessons_of(course)[0]
    enrolment = enrol_user(participant, course)
    record_lesson_visit(enrolment, lesson)
    earlier = timezone.now() - ACTIVITY_GRAIN - timedelta(seconds=1)
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=earlier)
    enrolment.last_activity_at = earlier

    record_lesson_visit(enrolment, lesson)

    enrolment.refresh_from_db()
    assert enrolment.last_activity_at > earlier
    assert LessonVisit.objects.get(user=participant, lesson=lesson).visits == 1


def test_completing_a_lesson_notes_activity(participant, course):
    enrolment = enrol_user(participant, course)
    assert enrolment.last_activity_at is None

    record_lesson_completion(participant, lessons_of(course)[0])

    enrolment.refresh_from_db()
    assert enrolment.last_activity_at is not None


# --- Course completion ---------------------------------------------------------------------


@pytest.fixture
def small_course(db):
    """One module: two lessons and a quiz."""
    return make_course(modules=1, lessons_per_module=2, quizzes_per_module=1)


def test_finishing_every_required_item_completes_the_course_once_after_commit(
    participant, small_course, pass_quiz, completed_events, django_capture_on_commit_callbacks
):
    enrolment = enrol_user(participant, small_course)
    first, last = lessons_of(small_course)
    pass_quiz(participant, quizzes_of(small_course)[0])
    record_lesson_completion(participant, first)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    with django_capture_on_commit_callbacks() as callbacks:
        record_lesson_completion(participant, last)
        assert completed_events == []  # not before the commit

    assert len(callbacks) == 1
    callbacks[0]()
    assert [e["enrolment_id"] for e in completed_events] == [enrolment.pk]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at is not None


def test_passing_the_last_required_quiz_completes_the_course(
    participant, small_course, pass_quiz, completed_events, django_capture_on_commit_callbacks
):
    enrolment = enrol_user(participant, small_course)
    for lesson in lessons_of(small_course):
        record_lesson_completion(participant, lesson)
    pass_quiz(participant, quizzes_of(small_course)[0])

    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_completion(enrolment) is True

    assert [e["enrolment_id"] for e in completed_events] == [enrolment.pk]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_a_second_evaluation_changes_nothing_and_sends_nothing(
    participant, small_course, pass_quiz, completed_events, django_capture_on_commit_callbacks
):
    enrolment = enrol_user(participant, small_course)
    pass_quiz(participant, quizzes_of(small_course)[0])
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons_of(small_course):
            record_lesson_completion(participant, lesson)
    enrolment.refresh_from_db()
    completed_at = enrolment.completed_at

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert evaluate_completion(enrolment) is False
        record_lesson_completion(participant, lessons_of(small_course)[0])

    assert callbacks == []
    assert len(completed_events) == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_at == completed_at


def test_optional_items_are_not_needed_to_complete_the_course(
    participant, small_course, completed_events, django_capture_on_commit_callbacks
):
    quiz = quizzes_of(small_course)[0]
    quiz.optional = True
    quiz.save()
    first, last = lessons_of(small_course)
    last.optional = True
    last.save()
    enrolment = enrol_user(participant, small_course)

    with django_capture_on_commit_callbacks(execute=True):
        record_lesson_completion(participant, first)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert len(completed_events) == 1


@pytest.mark.parametrize("quiz_attempt", ["none", "failed"])
def test_course_is_not_complete_while_a_required_quiz_is_not_passed(
    participant,
    small_course,
    pass_quiz,
    completed_events,
    django_capture_on_commit_callbacks,
    quiz_attempt,
):
    if quiz_attempt == "failed":
        pass_quiz(participant, quizzes_of(small_course)[0], passed=False)
    enrolment = enrol_user(participant, small_course)

    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons_of(small_course):
            record_lesson_completion(participant, lesson)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.completed_at is None
    assert completed_events == []


def test_completion_rolled_back_sends_nothing(
    participant, small_course, pass_quiz, completed_events, django_capture_on_commit_callbacks
):
    enrolment = enrol_user(participant, small_course)
    pass_quiz(participant, quizzes_of(small_course)[0])
    first, last = lessons_of(small_course)
    record_lesson_completion(participant, first)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record_lesson_completion(participant, last)
        raise RuntimeError("the request failed after the service")

    assert callbacks == []
    assert completed_events == []
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert not LessonCompletion.objects.filter(lesson=last).exists()


def test_enrolling_again_with_every_required_item_done_completes_the_course(
    participant, small_course, pass_quiz, completed_events, django_capture_on_commit_callbacks
):
    enrolment = enrol_user(participant, small_course)
    for lesson in lessons_of(small_course):
        record_lesson_completion(participant, lesson)
    withdraw(enrolment, by=participant)
    # An attempt started while enrolled and submitted after leaving: graded and passed, but
    # with no current enrolment there was nothing to complete.
    pass_quiz(participant, quizzes_of(small_course)[0])

    with django_capture_on_commit_callbacks(execute=True):
        again = enrol(participant, enrolment.cohort)
        record_lesson_completion(participant, lessons_of(small_course)[0])  # clicking again

    again.refresh_from_db()
    assert again.status == EnrolmentStatus.COMPLETED
    assert len(completed_events) == 1
