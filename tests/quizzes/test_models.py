"""Row rules of quiz models, as the admin checks them (Model.full_clean), and an attempt's
guarded move to submitted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from quizzes.exceptions import AlreadySubmitted
from quizzes.models import Attempt, AttemptStatus, Question, QuestionType

from .factories import make_empty_quiz

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accepted", [[], ["buying", "  "], ["buying", "?"], ["« … »"]])
def test_a_short_answer_needs_accepted_answers_that_are_more_than_punctuation(accepted):
    question = Question(
        quiz=make_empty_quiz(),
        key="q1",
        type=QuestionType.SHORT_ANSWER,
        prompt="Which word?",
        accepted_answers=accepted,
    )
    with pytest.raises(ValidationError) as error:
        question.full_clean()
    assert list(error.value.message_dict) == ["accepted_answers"]
    question.accepted_answers = ["buying", "art. 18(2)", "؟لماذا"]
    question.full_clean()


def _grade(**changes):
    grade = {
        "at": timezone.now(),
        "points": Decimal("1.00"),
        "max_points": 2,
        "score": Decimal("50.00"),
        "passed": True,
        "results": {"1": {"points": "1.00", "max_points": 1, "correct": True,
                          "outcome": "correct"}},
    }  # fmt: skip
    return {**grade, **changes}


def test_submitting_moves_an_attempt_in_progress_and_a_replay_changes_nothing():
    attempt = Attempt(status=AttemptStatus.IN_PROGRESS)
    grade = _grade()
    assert attempt.submit(**grade) is True
    assert (attempt.status, attempt.submitted_at, attempt.score) == (
        AttemptStatus.SUBMITTED,
        grade["at"],
        Decimal("50.00"),
    )
    assert attempt.submit(**grade) is False  # the same submission again
    assert (attempt.status, attempt.submitted_at) == (AttemptStatus.SUBMITTED, grade["at"])


@pytest.mark.parametrize(
    "change",
    [
        lambda grade: {"at": grade["at"] + timedelta(seconds=1)},  # a second submission
        lambda grade: {"passed": False, "score": Decimal(0), "points": Decimal(0)},
        lambda grade: {"results": {}},
    ],
)
def test_submitting_a_submitted_attempt_otherwise_is_refused(change):
    attempt = Attempt(status=AttemptStatus.IN_PROGRESS)
    grade = _grade()
    attempt.submit(**grade)
    with pytest.raises(AlreadySubmitted):
        attempt.submit(**{**grade, **change(grade)})
    assert (attempt.submitted_at, attempt.score, attempt.results) == (
        grade["at"],
        grade["score"],
        grade["results"],
    )
