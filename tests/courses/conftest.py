"""Fixtures shared by the enrolment, progress and completion tests."""

import pytest
from django.utils import timezone

from courses.events import course_completed
from quizzes.models import Attempt, AttemptStatus


@pytest.fixture
def completed_events():
    """The keyword arguments of every course_completed signal sent during the test."""
    calls = []

    def record(sender, **kwargs):
        calls.append(kwargs)

    course_completed.connect(record, weak=False)
    yield calls
    course_completed.disconnect(record)


@pytest.fixture
def pass_quiz():
    """pass_quiz(user, quiz): a submitted, passed attempt, as grading would leave it."""

    def make(user, quiz, *, passed=True):
        now = timezone.now()
        number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
        return Attempt.objects.create(
            user=user,
            quiz=quiz,
            number=number,
            status=AttemptStatus.SUBMITTED,
            started_at=now,
            submitted_at=now,
            passed=passed,
            score=100 if passed else 0,
        )

    return make
