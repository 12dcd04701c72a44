"""Progress: lessons completed, the last lesson visited, and course completion."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from quizzes.models import Attempt, Quiz

from ..events import course_completed
from ..exceptions import NotEnrolled
from ..models import Enrolment, EnrolmentStatus, Lesson, LessonCompletion
from .enrolment import get_current_enrolment


@transaction.atomic
def record_lesson_completion(user: User, lesson: Lesson) -> LessonCompletion:
    """Mark a lesson complete for an enrolled participant; may complete the course.

    Progress only moves forward: completing a lesson again changes nothing (the completion time
    is set once, on the transition).
    """
    enrolment = get_current_enrolment(user, lesson.course)
    if enrolment is None:
        raise NotEnrolled()
    try:
        with transaction.atomic():
            completion = LessonCompletion.objects.create(
                user=user, lesson=lesson, completed_at=timezone.now()
            )
    except IntegrityError:  # already complete (a double click, or another tab)
        completion = LessonCompletion.objects.get(user=user, lesson=lesson)
    # Also when it was complete already: the course may have changed since (a lesson removed).
    evaluate_completion(enrolment)
    return completion


def record_lesson_visit(enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember the last lesson the participant opened (for Resume); writes only on a change."""
    if enrolment.last_lesson_id != lesson.pk:
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson)
        enrolment.last_lesson_id = lesson.pk


@transaction.atomic
def evaluate_completion(enrolment: Enrolment) -> bool:
    """Complete the enrolment if every required lesson is complete and every required quiz passed.

    Returns True only for the call that completed it. The enrolment row is locked first, so two
    requests finishing the last two items at once are judged one after the other and the second
    sees the first's work: exactly one of them completes the course. course_completed is sent
    once, after commit.
    """
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return False
    user = enrolment.user_id
    lessons_left = (
        Lesson.objects.filter(course_id=enrolment.course_id, optional=False)
        .exclude(completions__user=user)
        .exists()
    )
    if lessons_left:
        return False
    quizzes_left = (
        Quiz.objects.filter(course_id=enrolment.course_id, optional=False)
        .exclude(pk__in=Attempt.objects.filter(user=user, passed=True).values("quiz_id"))
        .exists()
    )
    if quizzes_left:
        return False
    now = timezone.now()
    completed = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ACTIVE).update(
        status=EnrolmentStatus.COMPLETED, completed_at=now
    )
    if not completed:
        return False
    enrolment_id = enrolment.pk
    transaction.on_commit(
        lambda: course_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    )
    return True
