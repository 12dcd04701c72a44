"""A quiz speaks its course's language: the True and False of a true/false question are
written in the course's language, as its prompt and choices are, whatever the interface."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from courses.services.enrolment import enrol, ensure_default_cohort
from quizzes.models import Choice, MatchPair, Question, QuestionType
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


def open_attempt(client, quiz):
    """A new participant of the quiz's course, signed in on `client`, with an attempt started."""
    user = make_user()
    enrol(user, quiz.course.cohorts.get())
    client.force_login(user)
    attempt, _created = start_attempt(user, quiz)
    return attempt


def test_true_and_false_are_in_the_course_language_in_an_english_interface(
    client, arabic_true_false
):
    attempt = open_attempt(client, arabic_true_false)

    form = client.get(reverse("attempt-detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en")
    submit_attempt(attempt.user, attempt.pk, answers={})
    review = client.get(reverse("attempt-detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en")

    for page in (form, review):
        assertContains(page, '<html lang="en" dir="ltr">')
        assertContains(page, 'lang="ar" dir="rtl">صح<')
        assertContains(page, 'lang="ar" dir="rtl">خطأ<')
        assertNotContains(page, 'dir="rtl">True<')


@pytest.fixture
def english_quiz(db):
    """An English quiz of one single-choice question (from make_quiz) and one matching one."""
    course = make_course(title="Procurement", language="en", lessons_per_module=1)
    quiz = make_quiz(module=course.modules.get(), questions=1)
    matching = Question.objects.create(
        quiz=quiz, key="match", type=QuestionType.MATCHING, prompt="Match the terms.", order=1
    )
    for order, (prompt, answer) in enumerate([("Remedy", "Putting right"), ("Leverage", "Power")]):
        MatchPair.objects.create(
            question=matching, key=f"p{order}", prompt=prompt, answer=answer, order=order
        )
    ensure_default_cohort(course)
    return quiz


def test_in_an_arabic_interface_an_english_question_keeps_its_prompt_and_choices_together(
    client, english_quiz
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    attempt = open_attempt(client, english_quiz)

    page = client.get(reverse("attempt-detail", args=[attempt.pk])).content.decode()

    assert '<html lang="ar" dir="rtl">' in page
    # The prompt, its choices and its matching rows in one direction: on the same side.
    assert re.search(r'class="prose question-prompt"[^>]* lang="en" dir="ltr"', page)
    assert '<ul class="choices" lang="en" dir="ltr">' in page
    assert page.count('<div class="match-row" lang="en" dir="ltr">') == 2
    # What the interface says inside them stays in Arabic.
    assert re.search(r'<option value="" lang="ar" dir="rtl">اختر…</option>', page)


def test_in_an_arabic_interface_the_review_labels_each_match_for_narrow_screens(
    client, english_quiz
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    attempt = open_attempt(client, english_quiz)
    submit_attempt(attempt.user, attempt.pk, answers={})

    page = client.get(reverse("attempt-detail", args=[attempt.pk])).content.decode()

    assert '<ul class="review-choices" lang="en" dir="ltr">' in page
    assert re.search(r'<span class="badge badge-ok" lang="ar" dir="rtl">[^<]+</span>', page)
    assert '<table class="stack-table">' in page
    assert page.count('data-label="مطابقتك"') == 2  # "Your match", on each stacked row
