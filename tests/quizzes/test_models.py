"""Row rules of quiz models, as the admin checks them (Model.full_clean)."""

import pytest
from django.core.exceptions import ValidationError

from quizzes.models import Question, QuestionType

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
