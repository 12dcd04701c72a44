"""Small factories for tests: plain functions with sensible defaults, keyword overrides."""

import itertools
from datetime import date

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from accounts.services import make_facilitator
from certificates.pdf import CertificateData
from courses.models import Cohort, Course, Enrolment, EnrolmentStatus, Lesson, Module
from courses.services.enrolment import ensure_default_cohort
from quizzes.models import Choice, Question, QuestionType, Quiz

_seq = itertools.count(1)

PASSWORD = "a-long-test-password-42"


def make_user(*, email=None, password=PASSWORD, verified=True, **fields) -> User:
    n = next(_seq)
    fields.setdefault("full_name", f"Participant {n}")
    user = User.objects.create_user(email or f"user{n}@example.org", password, **fields)
    if verified:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def make_facilitator_user(**fields) -> User:
    user = make_user(**fields)
    make_facilitator(user)
    return user


def make_course(*, modules=1, lessons_per_module=2, quizzes_per_module=0, **fields) -> Course:
    n = next(_seq)
    fields.setdefault("title", f"Course {n}")
    fields.setdefault("slug", f"course-{n}")
    fields.setdefault("published", True)
    course = Course.objects.create(**fields)
    for m in range(modules):
        module = Module.objects.create(
            course=course, slug=f"m{m + 1}", title=f"Module {m + 1}", order=m
        )
        for i in range(lessons_per_module):
            Lesson.objects.create(
                module=module,
                slug=f"m{m + 1}-lesson-{i + 1}",
                title=f"Lesson {m + 1}.{i + 1}",
                body=f"Body of lesson {m + 1}.{i + 1}.",
                estimated_minutes=10,
                order=i,
            )
        for q in range(quizzes_per_module):
            make_quiz(module=module, slug=f"m{m + 1}-quiz-{q + 1}", order=q)
    if course.published:
        ensure_default_cohort(course)
    return course


def make_cohort(course, **fields) -> Cohort:
    fields.setdefault("name", f"Cohort {next(_seq)}")
    return Cohort.objects.create(course=course, **fields)


def enrol_user(user, course, cohort=None) -> Enrolment:
    """Enrol directly (no checks), in the course's default cohort unless one is given."""
    cohort = cohort or ensure_default_cohort(course)
    return Enrolment.objects.create(user=user, cohort=cohort, course=course)


def make_completion(course, cohort=None, *, completed_at=None, **user_fields) -> Enrolment:
    """A new participant whose enrolment is completed, written directly: no completion event,
    so no certificate task (tests send or run what they need)."""
    enrolment = enrol_user(make_user(**user_fields), course, cohort)
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = completed_at or timezone.now()
    enrolment.save(update_fields=["status", "completed_at"])
    return enrolment


def make_quiz(*, module, questions=2, **fields) -> Quiz:
    fields.setdefault("slug", f"quiz-{next(_seq)}")
    fields.setdefault("title", "Check your understanding")
    quiz = Quiz.objects.create(module=module, **fields)
    for i in range(questions):
        question = Question.objects.create(
            quiz=quiz,
            key=f"q{i + 1}",
            type=QuestionType.SINGLE_CHOICE,
            prompt=f"Question {i + 1}?",
            order=i,
        )
        Choice.objects.create(question=question, key="a", text="Right", is_correct=True, order=0)
        Choice.objects.create(question=question, key="b", text="Wrong", order=1)
    return quiz


CERTIFICATE_CODE = "7KQ2-M9XD-4HTP-WC3A"


def make_certificate_data(**overrides) -> CertificateData:
    """What the renderer draws for one certificate: an English course, a Latin name, no cohort
    or hours unless given."""
    fields = {
        "participant_name": "José Núñez",
        "course_title": "Human Rights Due Diligence in Public Procurement",
        "language": "en",
        "completion_date": date(2025, 3, 12),
        "issuing_organisation": "Public Procurement and Human Rights Learning Lab",
        "signatory_name": "Amina Okafor",
        "signatory_title": "Programme Director",
        "verification_code": CERTIFICATE_CODE,
        "verification_url": f"https://learn.example.org/certificates/verify/{CERTIFICATE_CODE}/",
    }
    return CertificateData(**{**fields, **overrides})
