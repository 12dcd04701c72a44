"""Questions as the course package writes them: one check for every format they come from.

A question mapping (from a quiz YAML file, or built by the GIFT and Moodle XML readers) becomes a
QuestionSpec here, or a PackageError naming the file and line; the fields and rules are those of
docs/course-package.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quizzes.grading import normalise_text
from quizzes.models import QuestionType

from .fields import Fields
from .specs import SMALL_INT_MAX, ChoiceSpec, PairSpec, QuestionSpec


def read_questions(
    items: list[Any], file: str, *, parent: Fields | None = None
) -> list[QuestionSpec]:
    """Check a list of question mappings (keys unique) and return their specs, in order."""
    questions = []
    keys = set()
    for item in items:
        q = Fields(item, file, parent=parent)
        question = read_question(q)
        if question.key in keys:
            q.fail("key", f"question key {question.key!r} is used twice in this quiz")
        keys.add(question.key)
        questions.append(question)
    return questions


def read_question(q: Fields) -> QuestionSpec:
    """One question mapping, checked; every field read (an unknown one is an error)."""
    kind = q.get("type", str)
    if kind not in QuestionType.values:
        q.fail(
            "type",
            f"unknown question type {kind!r}; use one of {', '.join(QuestionType.values)}",
        )
    question = QuestionSpec(
        key=q.slug("key"),
        type=kind,
        prompt=q.text("prompt"),
        points=q.integer("points", 1, minimum=1, maximum=SMALL_INT_MAX),
        feedback_correct=q.get("feedback_correct", str, "").strip(),
        feedback_incorrect=q.get("feedback_incorrect", str, "").strip(),
    )
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE):
        items = q.get("choices", list)
        if len(items) < 2:
            q.fail("choices", "needs at least two choices")
        keys = set()
        for index, item in enumerate(items):
            c = Fields(item, q.file, parent=q)
            choice = ChoiceSpec(
                key=c.slug("key", _letter(index)),
                text=c.text("text"),
                correct=c.get("correct", bool, False),
                feedback=c.get("feedback", str, "").strip(),
            )
            if choice.key in keys:
                c.fail("key", f"choice key {choice.key!r} is used twice")
            keys.add(choice.key)
            c.finish()
            question.choices.append(choice)
        correct = sum(choice.correct for choice in question.choices)
        if kind == QuestionType.SINGLE_CHOICE and correct != 1:
            q.fail(
                "choices",
                f"a single_choice question needs exactly one correct choice, not {correct}",
            )
        if kind == QuestionType.MULTIPLE_RESPONSE:
            if correct < 1:
                q.fail("choices", "a multiple_response question needs at least one correct choice")
            question.partial_credit = q.get("partial_credit", bool, False)
    elif kind == QuestionType.TRUE_FALSE:
        answer = q.get("answer", bool)
        question.choices = [
            ChoiceSpec("true", "True", answer is True, q.get("feedback_true", str, "").strip()),
            ChoiceSpec("false", "False", answer is False, q.get("feedback_false", str, "").strip()),
        ]
    elif kind == QuestionType.SHORT_ANSWER:
        answers = q.get("accepted_answers", list)
        if not answers or not all(
            isinstance(a, str | int | float) and normalise_text(str(a)) for a in answers
        ):
            q.fail(
                "accepted_answers",
                "needs a list of at least one answer, none empty or only punctuation",
            )
        question.accepted_answers = [str(a).strip() for a in answers]
    elif kind == QuestionType.NUMERIC:
        question.numeric_answer = q.decimal("answer", digits=20, places=6)
        question.tolerance = q.decimal("tolerance", Decimal(0), minimum=0, digits=20, places=6)
    elif kind == QuestionType.MATCHING:
        items = q.get("pairs", list)
        if len(items) < 2:
            q.fail("pairs", "needs at least two pairs")
        for index, item in enumerate(items):
            p = Fields(item, q.file, parent=q)
            question.pairs.append(
                PairSpec(
                    key=p.slug("key", str(index + 1)),
                    prompt=p.text("prompt"),
                    answer=p.text("answer"),
                )
            )
            p.finish()
        if len({pair.key for pair in question.pairs}) != len(question.pairs):
            q.fail("pairs", "pair keys must be unique")
        question.partial_credit = q.get("partial_credit", bool, False)
    q.finish()
    return question


def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < len(letters) else f"c{index + 1}"
