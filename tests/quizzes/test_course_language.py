"""A quiz speaks its course's language: the True and False of a true/false question are
written in the course's language, as its prompt and choices are, whatever the interface."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from courses.services.enrolment import enrol, ensure_default_cohort
from quizzes.models import Choice, Question, QuestionType
from quizzes.services import start_attempt, submit_attempt
from tests.factories import make_course, make_quiz, make_user


@pytest.fixture
def arabic_true_false(db):
    course = make_course(title="المشتريات", language="ar", lessons_per_module=1)
    quiz = make_quiz(module=course.modules.get(), questions=0)
    question = Question.objects.create(
        quiz=quiz, key="tf", type=QuestionType.TRUE_FALSE, prompt="الدولة ملزمة.", order=0
    )
    Choice.objects.create(question=question, key="true", text="True", is_correct=True, order=0)
    Choice.objects.create(question=question, key="false", text="False", order=1)
    ensure_default_cohort(course)
    return quiz


def test_true_and_false_are_in_the_course_language_in_an_english_interface(
    client, arabic_true_false
):
    user = make_user()
    enrol(user, arabic_true_false.course.cohorts.get())
    client.force_login(user)
    attempt, _created = start_attempt(user, arabic_true_false)

    form = client.get(reverse("attempt-detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en")
    submit_attempt(attempt.user, attempt.pk, answers={})
    review = client.get(reverse("attempt-detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en")

    for page in (form, review):
        assertContains(page, '<html lang="en" dir="ltr">')
        assertContains(page, 'lang="ar" dir="rtl">صح<')
        assertContains(page, 'lang="ar" dir="rtl">خطأ<')
        assertNotContains(page, 'dir="rtl">True<')
