"""Reads of the quiz engine that the services and the API share."""

from quizzes.grading import QuestionData
from quizzes.models import Choice, Question
from quizzes.selectors import load_questions

from .factories import add_every_type, add_matching, add_multiple_response, make_empty_quiz


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
