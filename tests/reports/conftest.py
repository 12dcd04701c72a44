"""Crafted data for the statistics: enrolments, activity and certificates at given moments."""

import datetime

import pytest

from certificates.models import Certificate, CertificateStatus
from courses.models import Enrolment, EnrolmentStatus, LessonCompletion
from courses.services.progress import record_active_month
from quizzes.models import Attempt, AttemptStatus
from tests.factories import make_user


def at(day: str, hour: int = 12) -> datetime.datetime:
    """Noon UTC of an ISO day."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=datetime.UTC)


def enrolment(course, *, enrolled: str, completed: str | None = None, withdrawn: str | None = None,
              user=None, cohort=None, **user_fields) -> Enrolment:  # fmt: skip
    """A participant (new unless given) enrolled on `enrolled`, completed or withdrawn later."""
    user = user or make_user(**user_fields)
    cohort = cohort or course.cohorts.get(is_default=True)
    status = EnrolmentStatus.ACTIVE
    if completed:
        status = EnrolmentStatus.COMPLETED
    elif withdrawn:
        status = EnrolmentStatus.WITHDRAWN
    created = Enrolment.objects.create(
        user=user, cohort=cohort, course=course, status=status,
        completed_at=at(completed) if completed else None,
        withdrawn_at=at(withdrawn) if withdrawn else None,
    )  # fmt: skip
    Enrolment.objects.filter(pk=created.pk).update(enrolled_at=at(enrolled))  # not "now"
    created.refresh_from_db()
    return created


def lesson_done(enrolment, day: str) -> LessonCompletion:
    lesson = enrolment.course.lessons.exclude(completions__user=enrolment.user).first()
    done = LessonCompletion.objects.create(user=enrolment.user, lesson=lesson, completed_at=at(day))
    record_active_month(enrolment.user_id, enrolment.course_id, done.completed_at)  # as the service
    return done


def attempt(enrolment, quiz, day: str, *, score: int, pass_mark: int = 70) -> Attempt:
    number = Attempt.objects.filter(user=enrolment.user, quiz=quiz).count() + 1
    made = Attempt.objects.create(
        user=enrolment.user, quiz=quiz, number=number, status=AttemptStatus.SUBMITTED,
        started_at=at(day, 10), submitted_at=at(day, 11), score=score, passed=score >= pass_mark,
    )  # fmt: skip
    record_active_month(enrolment.user_id, quiz.course_id, made.started_at)  # as start_attempt
    return made


def certificate(enrolment, *, issued: str, revoked: str | None = None) -> Certificate:
    return Certificate.objects.create(
        enrolment=enrolment,
        status=CertificateStatus.REVOKED if revoked else CertificateStatus.ISSUED,
        participant_name=enrolment.user.full_name, course_title=enrolment.course.title,
        course_language="en", completed_on=enrolment.completed_at.date(),
        issuing_organisation="Lab", pdf_sha256="0" * 64, issued_at=at(issued),
        revoked_at=at(revoked) if revoked else None,
    )  # fmt: skip


@pytest.fixture
def min_cell(settings):
    """Set K: min_cell(1) shows every figure."""

    def set_k(k: int) -> None:
        settings.STATISTICS_MIN_CELL = k

    return set_k
