"""Quiz factories for the quiz engine's tests, built on tests/factories.py."""

import itertools
from decimal import Decimal

from django.utils import timezone

from courses.models import Cohort, Course, Enrolment, EnrolmentStatus, Module
from quizzes.models import Choice, MatchPair, Question, QuestionType, Quiz
from tests.factories import make_course

_seq = itertools.count(1)


def enrol_in(user, course: Course, *, status=EnrolmentStatus.ACTIVE) -> Enrolment:
    """Enrol the user in the course's default cohort (created if needed)."""
    cohort = Cohort.objects.filter(course=course, is_default=True).first() or (
        Cohort.objects.create(course=course, name="Self-paced", is_default=True)
    )
    completed_at = timezone.now() if status == EnrolmentStatus.COMPLETED else None
    return Enrolment.objects.create(
        user=user, cohort=cohort, course=course, status=status, completed_at=completed_at
    )


def make_module(**course_fields) -> Module:
    """A module of a new published course with no lessons and no quizzes."""
    course = make_course(modules=1, lessons_per_module=0, **course_fields)
    return course.modules.get()


def make_empty_quiz(module: Module | None = None, **fields) -> Quiz:
    fields.setdefault("slug", f"quiz-{next(_seq)}")
    fields.setdefault("title", "Check your understanding")
    return Quiz.objects.create(module=module or make_module(), **fields)


def _question(quiz: Quiz, type_: str, **fields) -> Question:
    order = quiz.questions.count()
    fields.setdefault("key", f"q{order + 1}")
    fields.setdefault("prompt", f"Question {order + 1}?")
    fields.setdefault("order", order)
    return Question.objects.create(quiz=quiz, type=type_, **fields)


def add_single_choice(quiz: Quiz, *, choices=None, **fields) -> Question:
    """Choices are (text, correct, feedback); by default one right of three."""
    question = _question(quiz, QuestionType.SINGLE_CHOICE, **fields)
    choices = choices or [("Right", True, ""), ("Wrong", False, ""), ("Also wrong", False, "")]
    for i, (text, correct, feedback) in enumerate(choices):
        Choice.objects.create(
            question=question,
            key=f"c{i}",
            text=text,
            is_correct=correct,
            feedback=feedback,
            order=i,
        )
    return question


def add_multiple_response(quiz: Quiz, *, right=3, wrong=2, **fields) -> Question:
    question = _question(quiz, QuestionType.MULTIPLE_RESPONSE, **fields)
    for i in range(right + wrong):
        Choice.objects.create(
            question=question,
            key=f"c{i}",
            text=f"Right {i}" if i < right else f"Wrong {i}",
            is_correct=i < right,
            order=i,
        )
    return question


def add_true_false(quiz: Quiz, *, answer=True, **fields) -> Question:
    question = _question(quiz, QuestionType.TRUE_FALSE, **fields)
    Choice.objects.create(question=question, key="true", text="True", is_correct=answer, order=0)
    Choice.objects.create(
        question=question, key="false", text="False", is_correct=not answer, order=1
    )
    return question


def add_short_answer(quiz: Quiz, *, accepted=("joint procurement",), **fields) -> Question:
    return _question(quiz, QuestionType.SHORT_ANSWER, accepted_answers=list(accepted), **fields)


def add_numeric(quiz: Quiz, *, answer="3.5", tolerance="0", **fields) -> Question:
    return _question(
        quiz,
        QuestionType.NUMERIC,
        numeric_answer=Decimal(answer),
        tolerance=Decimal(tolerance),
        **fields,
    )


def add_matching(quiz: Quiz, *, pairs=None, **fields) -> Question:
    question = _question(quiz, QuestionType.MATCHING, **fields)
    pairs = pairs or [
        ("ILO C29", "Forced labour"),
        ("ILO C138", "Child labour"),
        ("ILO C155", "Safety"),
    ]
    for i, (prompt, answer) in enumerate(pairs):
        MatchPair.objects.create(
            question=question, key=f"p{i}", prompt=prompt, answer=answer, order=i
        )
    return question


def add_every_type(quiz: Quiz) -> dict[str, Question]:
    return {
        "single_choice": add_single_choice(quiz),
        "multiple_response": add_multiple_response(quiz),
        "true_false": add_true_false(quiz),
        "short_answer": add_short_answer(quiz),
        "numeric": add_numeric(quiz),
        "matching": add_matching(quiz),
    }


def shown_choice_ids(attempt, question: Question) -> dict[int, str]:
    """{choice id: the opaque id the attempt shows it under} for a question of the attempt."""
    item = next(i for i in attempt.layout if i["question"] == question.pk)
    return {choice: opaque for opaque, choice in item["choices"]}


def shown_choice(attempt, choice) -> str:
    """The opaque id the attempt shows a choice under (the API's and the form's value)."""
    return shown_choice_ids(attempt, choice.question)[choice.pk]


def right_answer(question: Question, attempt) -> object:
    """The fully correct answer to a question of an attempt, in the API's format."""
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        return shown_choice(attempt, question.choices.get(is_correct=True))
    if kind == QuestionType.MULTIPLE_RESPONSE:  # in the order shown
        right = set(question.choices.filter(is_correct=True).values_list("pk", flat=True))
        item = next(i for i in attempt.layout if i["question"] == question.pk)
        return [opaque for opaque, c in item["choices"] if c in right]
    if kind == QuestionType.SHORT_ANSWER:
        return question.accepted_answers[0]
    if kind == QuestionType.NUMERIC:
        return str(question.numeric_answer)
    return matching_answer(question, attempt)


def matching_answer(question: Question, attempt, *, wrong: int = 0) -> dict[str, str]:
    """{pair id: option id} matching every prompt right, except the first `wrong` ones, which
    are given the next prompt's answer."""
    item = next(i for i in attempt.layout if i["question"] == question.pk)
    texts = {p.pk: p.answer for p in question.pairs.all()}
    option_for_text = {texts[pair]: token for token, pair in item["options"]}
    prompts = item["prompts"]
    answer = {}
    for i, pair in enumerate(prompts):
        target = prompts[(i + 1) % len(prompts)] if i < wrong else pair
        answer[str(pair)] = option_for_text[texts[target]]
    return answer


def wrong_answer(question: Question, attempt) -> object:
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        return shown_choice(attempt, question.choices.filter(is_correct=False).first())
    if kind == QuestionType.MULTIPLE_RESPONSE:
        return [shown_choice(attempt, question.choices.filter(is_correct=False).first())]
    if kind == QuestionType.SHORT_ANSWER:
        return "something else"
    if kind == QuestionType.NUMERIC:
        return str(question.numeric_answer + question.tolerance + 1)
    return matching_answer(question, attempt, wrong=2)
