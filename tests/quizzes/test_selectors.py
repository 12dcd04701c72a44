"""Reads of the quiz engine that the services and the API share."""

import pytest

from quizzes.grading import QuestionData
from quizzes.models import Choice, MatchPair, Question, Quiz
from quizzes.selectors import get_quiz_questions, load_questions

from .factories import (
    add_every_type,
    add_matching,
    add_multiple_response,
    add_single_choice,
    make_empty_quiz,
)


def test_questions_read_in_one_query_are_the_prefetched_rows(db, django_assert_num_queries):
    # load_questions joins choices and pairs to their question instead of prefetching them
    # (QuestionData.from_model): both must read the same, in the same orders.
    quiz = make_empty_quiz()
    add_every_type(quiz)
    add_multiple_response(quiz, right=2, wrong=4, partial_credit=True, order=0)
    odd = add_matching(quiz, order=0)  # a matching question that also has choices
    Choice.objects.create(question=odd, key="x", text="Stray", order=2)
    Choice.objects.create(question=odd, key="y", text="Stray too", order=1)
    add_every_type(make_empty_quiz())  # another quiz's questions are not read
    plain = [
        QuestionData.from_model(question)
        for question in Question.objects.filter(quiz=quiz)
        .prefetch_related("choices", "pairs")
        .order_by("order", "id")
    ]

    with django_assert_num_queries(1):
        read = load_questions(quiz=quiz)

    assert read == plain
    assert [len(q.choices) for q in read if q.id == odd.pk] == [2]
    assert [len(q.pairs) for q in read if q.id == odd.pk] == [3]
    with django_assert_num_queries(1):
        assert load_questions(pk__in=[odd.pk, plain[-1].id]) == [
            q for q in plain if q.id in (odd.pk, plain[-1].id)
        ]


def _read_plainly(quiz: Quiz) -> dict[int, QuestionData]:
    questions = Question.objects.filter(quiz=quiz).prefetch_related("choices", "pairs")
    return {q.pk: QuestionData.from_model(q) for q in questions.order_by("order", "id")}


def _move(question: Question, to: Quiz) -> None:
    question.quiz = to
    question.save()


def _flip(choice: Choice) -> None:
    choice.is_correct = not choice.is_correct
    choice.save()


def _rename(pair: MatchPair) -> None:
    pair.answer = "Child labour"
    pair.save()


def _worth_more(question: Question) -> None:
    question.points = 5
    question.save()


# Each write to a quiz's questions as the admin, the importers and the shell make them.
WRITES = {
    "question saved": lambda questions, other: _worth_more(questions["numeric"]),
    "question added": lambda questions, other: add_single_choice(questions["numeric"].quiz),
    "question deleted": lambda questions, other: questions["short_answer"].delete(),
    "question moved to another quiz": lambda questions, other: _move(
        questions["true_false"], other
    ),
    "choice saved": lambda questions, other: _flip(questions["single_choice"].choices.first()),
    "choice deleted": lambda questions, other: (
        questions["multiple_response"].choices.last().delete()
    ),
    "pair saved": lambda questions, other: _rename(questions["matching"].pairs.first()),
    "pair deleted": lambda questions, other: questions["matching"].pairs.last().delete(),
}


@pytest.mark.parametrize("write", WRITES)
def test_the_questions_kept_in_memory_follow_every_write(db, django_assert_num_queries, write):
    # get_quiz_questions reads a quiz's questions once per version of them: any write to a
    # question, choice or pair (quizzes.signals) makes the next read a fresh one.
    quiz, other = make_empty_quiz(), make_empty_quiz()
    questions = add_every_type(quiz)
    add_single_choice(other)
    for each in (quiz, other):
        each = Quiz.objects.get(pk=each.pk)
        assert get_quiz_questions(each) == _read_plainly(each)
        with django_assert_num_queries(0):
            get_quiz_questions(each)

    WRITES[write](questions, other)

    for each in (quiz, other):
        each = Quiz.objects.get(pk=each.pk)
        assert get_quiz_questions(each) == _read_plainly(each)
