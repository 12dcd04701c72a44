"""Quiz pages by role, and starting or submitting when the rules say no: who gets a 404, which
message a refused start shows, and that nothing is created, saved or graded when refused."""

import pytest
from django.urls import reverse

from quizzes.models import Attempt, AttemptStatus, QuestionType
from quizzes.services import save_answers, start_attempt, submit_attempt
from tests.factories import make_cohort, make_user
from tests.quizzes.factories import (
    add_every_type,
    add_single_choice,
    enrol_in,
    make_empty_quiz,
    make_module,
    right_answer,
    wrong_answer,
)

NO_QUESTIONS = "This quiz has no questions yet."
LIMIT_REACHED = "You have used all the attempts allowed for this quiz."


def error_message(text):
    """A message shown by base.html's message list (not text of the page itself)."""
    return f'<li class="message message-error">{text}</li>'


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


# --- Someone else's attempt page ----------------------------------------------------------------


def _intruder(request, role, quiz):
    """The user of this role, set up as close to the attempt as the role can be without
    being its participant."""
    user = request.getfixturevalue(role)
    if role == "facilitator":  # facilitates another cohort of the same course
        make_cohort(quiz.course).facilitators.add(user)
    else:  # enrolled in the same course and cohort
        enrol_in(user, quiz.course)
    return user


@pytest.mark.parametrize("role", ["other_participant", "facilitator", "admin_user"])
def test_someone_elses_attempt_page_is_404_and_posting_to_it_changes_nothing(
    client, request, quiz, taker, role
):
    attempt, _ = start_attempt(taker, quiz)
    single = quiz.questions.get(type=QuestionType.SINGLE_CHOICE)
    save_answers(attempt, answers={single.pk: right_answer(single, attempt)})
    before = Attempt.objects.get(pk=attempt.pk)
    assert before.answers  # something saved, so that a change would show

    client.force_login(_intruder(request, role, quiz))
    url = reverse("attempt-detail", args=[attempt.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("attempt-detail", args=[999999])).status_code == 404
    wrong = str(wrong_answer(single, attempt))
    for action in ("save", "submit"):
        response = client.post(url, {"action": action, f"q-{single.pk}": wrong})
        assert response.status_code == 404, action

    after = Attempt.objects.get(pk=attempt.pk)
    assert after.status == AttemptStatus.IN_PROGRESS
    assert after.answers == before.answers
    assert after.answers_saved_at == before.answers_saved_at
    assert (after.submitted_at, after.score, after.passed) == (None, None, None)
    assert Attempt.objects.count() == 1


# --- A quiz of an unpublished course ------------------------------------------------------------


def test_a_quiz_page_of_an_unpublished_course_is_404_for_a_participant_but_shown_to_an_admin(
    client, participant, admin_user
):
    quiz = make_empty_quiz(module=make_module(published=False), title="Hidden draft quiz")
    add_single_choice(quiz)
    enrol_in(participant, quiz.course)

    client.force_login(participant)
    assert client.get(reverse("quiz-detail", args=[quiz.pk])).status_code == 404
    assert client.post(reverse("quiz-start", args=[quiz.pk])).status_code == 404
    assert not Attempt.objects.exists()

    client.force_login(admin_user)
    response = client.get(reverse("quiz-detail", args=[quiz.pk]))
    assert response.status_code == 200
    assert "Hidden draft quiz" in response.content.decode()


# --- A quiz with no questions -------------------------------------------------------------------


def test_starting_a_quiz_with_no_questions_through_the_api_is_a_409(api_client, participant):
    quiz = make_empty_quiz()
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    response = api_client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/", format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "no_questions", "detail": NO_QUESTIONS}
    assert not Attempt.objects.exists()


def test_starting_a_quiz_with_no_questions_on_the_page_says_so_and_creates_nothing(
    client, participant
):
    quiz = make_empty_quiz()
    enrol_in(participant, quiz.course)
    client.force_login(participant)
    response = client.post(reverse("quiz-start", args=[quiz.pk]), follow=True)
    assert response.redirect_chain == [(reverse("quiz-detail", args=[quiz.pk]), 302)]
    assert response.status_code == 200
    assert error_message(NO_QUESTIONS) in response.content.decode()
    assert not Attempt.objects.exists()


# --- The attempt limit on the page --------------------------------------------------------------


def test_starting_on_the_page_at_the_attempt_limit_says_so_and_creates_no_attempt(
    client, quiz, taker
):
    quiz.max_attempts = 1
    quiz.save(update_fields=["max_attempts"])
    attempt, _ = start_attempt(taker, quiz)
    submit_attempt(attempt.user, attempt.pk)
    client.force_login(taker)

    response = client.post(reverse("quiz-start", args=[quiz.pk]), follow=True)

    assert response.redirect_chain == [(reverse("quiz-detail", args=[quiz.pk]), 302)]
    assert error_message(LIMIT_REACHED) in response.content.decode()
    assert list(Attempt.objects.values_list("pk", "status")) == [
        (attempt.pk, AttemptStatus.SUBMITTED)
    ]


# --- Submitting invalid answers on the page -----------------------------------------------------


def test_submitting_an_answer_that_does_not_fit_shows_the_form_again_and_grades_nothing(
    client, quiz, taker
):
    attempt, _ = start_attempt(taker, quiz)
    single = quiz.questions.get(type=QuestionType.SINGLE_CHOICE)
    numeric = quiz.questions.get(type=QuestionType.NUMERIC)
    save_answers(attempt, answers={single.pk: right_answer(single, attempt)})
    before = Attempt.objects.get(pk=attempt.pk)
    client.force_login(taker)
    url = reverse("attempt-detail", args=[attempt.pk])

    response = client.post(
        url, {"action": "submit", f"q-{numeric.pk}": "twelve", f"q-{single.pk}": "999999"}
    )

    assert response.status_code == 400
    assert "quizzes/attempt.html" in [t.name for t in response.templates]
    assert "quizzes/attempt_result.html" not in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Enter a number" in body
    assert 'value="twelve"' in body  # what was typed is kept in the form
    assert error_message("Some answers are not valid.") in body
    after = Attempt.objects.get(pk=attempt.pk)
    assert after.status == AttemptStatus.IN_PROGRESS
    assert after.answers == before.answers  # all or nothing: the valid one saved before stays
    assert (after.submitted_at, after.score, after.passed, after.results) == (None, None, None, {})
