"""Quiz pages: taking a quiz without JavaScript, results and review, and who may see what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, QuestionType
from quizzes.services import start_attempt
from tests.factories import make_user
from tests.quizzes.factories import (
    add_every_type,
    add_single_choice,
    enrol_in,
    make_empty_quiz,
    right_answer,
    shown_choice,
)

CANARY = "CANARY-7f3a"


@pytest.fixture
def quiz(db):
    quiz = make_empty_quiz(pass_mark=50)
    add_every_type(quiz)
    return quiz


@pytest.fixture
def taker(quiz):
    user = make_user()
    enrol_in(user, quiz.course)
    return user


def form_data(attempt, answers, action="save"):
    """The POST a browser sends for these answers (API formats -> form fields)."""
    data = {"action": action}
    for question in attempt.quiz.questions.all():
        value = answers.get(question.pk)
        name = f"q-{question.pk}"
        if value is None:
            continue
        if question.type == QuestionType.MATCHING:
            for prompt, option in value.items():
                data[f"{name}-{prompt}"] = option
        else:
            data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_quiz_page_offers_to_start_to_an_enrolled_participant(client, quiz, taker):
    client.force_login(taker)
    response = client.get(reverse("quiz-detail", args=[quiz.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Start the quiz" in body
    assert body.count("<h1") == 1


def test_quiz_page_asks_a_non_enrolled_user_to_enrol(client, quiz):
    client.force_login(make_user())
    body = client.get(reverse("quiz-detail", args=[quiz.pk])).content.decode()
    assert "Enrol in the course to take this quiz." in body
    assert "Start the quiz" not in body
    response = client.post(reverse("quiz-start", args=[quiz.pk]))
    assert response.status_code == 302
    assert not Attempt.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client, quiz, taker):
    attempt, _ = start_attempt(taker, quiz)
    for url in (
        reverse("quiz-detail", args=[quiz.pk]),
        reverse("attempt-detail", args=[attempt.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_another_participants_attempt_is_not_found(client, quiz, taker):
    attempt, _ = start_attempt(taker, quiz)
    other = make_user()
    enrol_in(other, quiz.course)
    client.force_login(other)
    url = reverse("attempt-detail", args=[attempt.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "submit"}).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).status == "in_progress"


def test_quiz_form_shows_no_answer_or_feedback_before_submission(client, db, taker):
    quiz = make_empty_quiz(module=None)
    enrol_in(taker, quiz.course)
    add_single_choice(
        quiz,
        choices=[
            (f"Right {CANARY}-choice", True, f"{CANARY}-feedback-right"),
            ("Wrong", False, f"{CANARY}-feedback-wrong"),
        ],
        feedback_correct=f"{CANARY}-question-correct",
        feedback_incorrect=f"{CANARY}-question-incorrect",
    )
    client.force_login(taker)
    client.post(reverse("quiz-start", args=[quiz.pk]))
    attempt = Attempt.objects.get()
    body = client.get(reverse("attempt-detail", args=[attempt.pk])).content.decode()
    assert f"Right {CANARY}-choice" in body  # the choice text is shown...
    assert "feedback" not in body.replace("aria-describedby", "")  # ...but no feedback
    assert f"{CANARY}-question" not in body
    assert "is_correct" not in body and "correct" not in body.lower().replace("incorrect", "")


def test_taking_a_quiz_saves_answers_then_submits_once(client, quiz, taker):
    client.force_login(taker)
    response = client.post(reverse("quiz-start", args=[quiz.pk]))
    attempt = Attempt.objects.get()
    assert response["Location"] == reverse("attempt-detail", args=[attempt.pk])
    url = reverse("attempt-detail", args=[attempt.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Question 1 of 6" in page.content.decode()

    answers = {q.pk: right_answer(q, attempt) for q in quiz.questions.all()}
    client.post(url, form_data(attempt, answers, "save"))
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    assert len(attempt.answers) == 6  # saved, to resume after a dropped connection

    response = client.post(url, form_data(attempt, answers, "submit"))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert attempt.passed is True
    result = client.get(url).content.decode()
    assert "Passed" in result
    assert "Review" in result

    # A second submission changes nothing.
    client.post(url, form_data(attempt, {}, "submit"))
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == attempt.submitted_at


def test_an_answer_that_does_not_fit_is_shown_with_its_error_and_nothing_is_saved(
    client, quiz, taker
):
    client.force_login(taker)
    attempt, _ = start_attempt(taker, quiz)
    numeric = quiz.questions.get(type=QuestionType.NUMERIC)
    single = quiz.questions.get(type=QuestionType.SINGLE_CHOICE)
    url = reverse("attempt-detail", args=[attempt.pk])
    response = client.post(
        url, {"action": "save", f"q-{numeric.pk}": "twelve", f"q-{single.pk}": "999999"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a number" in body
    assert 'value="twelve"' in body  # what was typed is kept in the form
    attempt.refresh_from_db()
    assert attempt.answers == {}


def test_saving_after_the_time_is_up_is_refused_and_the_attempt_is_graded(client, db, taker):
    quiz = make_empty_quiz(time_limit_minutes=10)
    enrol_in(taker, quiz.course)
    question = add_single_choice(quiz)
    attempt, _ = start_attempt(taker, quiz)
    client.force_login(taker)
    url = reverse("attempt-detail", args=[attempt.pk])
    assert "data-seconds-remaining" in client.get(url).content.decode()
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    right = right_answer(question, attempt)
    client.post(url, {"action": "save", f"q-{question.pk}": str(right)})
    attempt.refresh_from_db()
    assert attempt.status == "submitted"  # graded when reopened after the deadline
    assert attempt.answers == {}
    assert attempt.passed is False


def test_quiz_pages_make_a_bounded_number_of_queries(
    client, db, taker, django_assert_max_num_queries
):
    for count in (3, 30):
        quiz = make_empty_quiz()
        enrol_in(taker, quiz.course)
        for _ in range(count):
            add_single_choice(quiz)
        client.force_login(taker)
        client.get(reverse("quiz-detail", args=[quiz.pk]))  # caches the course outline
        with django_assert_max_num_queries(10):
            assert client.get(reverse("quiz-detail", args=[quiz.pk])).status_code == 200
        attempt, _ = start_attempt(taker, quiz)
        with django_assert_max_num_queries(10):
            assert client.get(reverse("attempt-detail", args=[attempt.pk])).status_code == 200


def test_the_quiz_form_names_choices_by_their_ids_in_the_attempt(client, quiz, taker):
    client.force_login(taker)
    attempt, _ = start_attempt(taker, quiz)
    single = quiz.questions.get(type=QuestionType.SINGLE_CHOICE)
    url = reverse("attempt-detail", args=[attempt.pk])
    body = client.get(url).content.decode()
    for choice in single.choices.all():
        assert f'value="{shown_choice(attempt, choice)}"' in body
        assert f'value="{choice.pk}"' not in body

    right = right_answer(single, attempt)
    client.post(url, {"action": "save", f"q-{single.pk}": right})
    assert f'value="{right}" checked' in client.get(url).content.decode()
    client.post(url, {"action": "submit", f"q-{single.pk}": right})  # the form sends all
    attempt.refresh_from_db()
    assert attempt.results[str(single.pk)]["outcome"] == "correct"
