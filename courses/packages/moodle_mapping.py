"""What Moodle's question types mean here, for both GIFT and Moodle XML (docs/question-banks.md).

A reader parses its format into answers with Moodle's weights; the functions here turn them into
the question fields of the course package (the same mapping a quiz YAML file holds, checked by
questions.read_question), or raise Unmappable when our grading cannot mean the same thing. The
writers use the same rules backwards (export_weights, export_problems).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from quizzes.models import QuestionType

from .fields import Located
from .specs import SLUG_RE, QuestionSpec

HUNDRED = Decimal(100)
# Moodle writes shares such as 33.33333%: weights this close count as equal.
WEIGHT_TOLERANCE = Decimal("0.01")


class Unmappable(Exception):
    """A question our grading cannot hold as the file means it; the message says why."""


@dataclass
class Answer:
    """One answer of a Moodle question: its text, weight in percent (None: not given) and
    feedback."""

    text: str
    weight: Decimal | None = None
    feedback: str = ""


@dataclass
class ParsedBank:
    """What a reader found: question mappings to check, warnings, and the questions that cannot
    be imported (line, why), all reported together."""

    file: str
    items: list[Located] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)

    def warn(self, line: int | None, message: str) -> None:
        where = f"{self.file}, line {line}" if line else self.file
        self.warnings.append(f"{where}: {message}")

    def refuse(self, line: int | None, message: str) -> None:
        self.problems.append((line, message))

    def key(self, title: str, position: int) -> str:
        """A stable question key: the title if it is a slug, else the title slugified, else
        q1, q2, ... by position in the file; "-2", "-3" ... added when one is taken."""
        title = title.strip()
        if SLUG_RE.match(title) and len(title) <= 100:
            base = title
        else:
            base = slugify(title)[:100].strip("-_") or f"q{position}"
        key, n = base, 2
        while key in self._keys:
            key = f"{base[:90]}-{n}"
            n += 1
        self._keys.add(key)
        return key

    def add(self, line: int, values: dict[str, Any]) -> None:
        self.items.append(Located(values, line=line))


def general_feedback_fields(general: str) -> dict[str, str]:
    """Moodle's general feedback is shown whatever the answer: both our feedbacks."""
    general = general.strip()
    return {"feedback_correct": general, "feedback_incorrect": general}


def _equal(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= WEIGHT_TOLERANCE


def _share(n: int) -> Decimal:
    return HUNDRED / n


def choice_fields(answers: list[Answer], *, single: bool) -> tuple[dict[str, Any], list[str]]:
    """A multiple choice question: single (one answer counts) or multiple (weights add up).

    Single: exactly one answer at 100%, the others at 0%. Multiple: every right answer carries
    the same share (100 / n) and every wrong one 0% or minus that share: that is partial credit
    here (each wrong pick cancels one right one). Returns the fields and any warnings.
    """
    warnings = []
    choices = []
    if single:
        right = [a for a in answers if a.weight is not None and _equal(a.weight, HUNDRED)]
        if len(right) != 1:
            raise Unmappable(
                f"a single-answer question needs exactly one right answer, not {len(right)}"
            )
        if any(a.weight for a in answers if a is not right[0]):
            raise Unmappable(
                "partial or negative marks on the wrong answers of a single-answer question "
                "cannot be given here (a single choice is right or wrong)"
            )
        for a in answers:
            choices.append({"text": a.text, "correct": a is right[0], "feedback": a.feedback})
        return {"type": QuestionType.SINGLE_CHOICE.value, "choices": choices}, warnings

    weights = [a.weight or Decimal(0) for a in answers]
    right = [w for w in weights if w > 0]
    if not right:
        raise Unmappable("no answer carries a positive weight")
    share = _share(len(right))
    if not all(_equal(w, share) for w in right):
        raise Unmappable(
            "the right answers carry different weights; here each right answer is worth the "
            f"same share (with {len(right)} right answers: %{share:.5f}% each)"
        )
    wrong = [w for w in weights if w <= 0]
    if not all(w == 0 or _equal(w, -share) for w in wrong):
        raise Unmappable(
            "a wrong answer carries a penalty other than minus one right answer's share "
            f"(%-{share:.5f}%); here each wrong pick cancels exactly one right pick"
        )
    if any(w == 0 for w in wrong):
        warnings.append(
            "wrong answers without a penalty: here each wrong pick cancels one right pick "
            "(in Moodle, picking every answer would score full marks)"
        )
    for a, w in zip(answers, weights, strict=True):
        choices.append({"text": a.text, "correct": w > 0, "feedback": a.feedback})
    return {
        "type": QuestionType.MULTIPLE_RESPONSE.value,
        "choices": choices,
        # With one right answer, partial credit and all or nothing grade alike.
        "partial_credit": len(right) > 1,
    }, warnings


def true_false_fields(answer: bool, *, feedback_true: str, feedback_false: str) -> dict[str, Any]:
    return {
        "type": QuestionType.TRUE_FALSE.value,
        "answer": answer,
        "feedback_true": feedback_true.strip(),
        "feedback_false": feedback_false.strip(),
    }


def short_answer_fields(answers: list[Answer]) -> dict[str, Any]:
    """Every answer is a right one (100%); no per-answer feedback."""
    for a in answers:
        if a.weight is not None and not _equal(a.weight, HUNDRED):
            raise Unmappable(
                f"the answer {a.text!r} is worth {a.weight}%: here a short answer is right "
                "(every accepted answer is worth full marks) or wrong"
            )
        if a.feedback.strip():
            raise Unmappable(
                "feedback on a short answer's answers cannot be kept here: use general "
                "feedback (####) instead"
            )
    return {
        "type": QuestionType.SHORT_ANSWER.value,
        "accepted_answers": [a.text for a in answers],
    }


@dataclass
class NumericAnswer:
    value: Decimal
    tolerance: Decimal
    weight: Decimal | None = None
    feedback: str = ""


def numeric_fields(answers: list[NumericAnswer]) -> dict[str, Any]:
    """One answer worth 100%, with a tolerance; no per-answer feedback."""
    if len(answers) != 1:
        raise Unmappable(
            f"{len(answers)} numeric answers: here a numeric question has one answer and a "
            "tolerance (no partial credit for a near answer)"
        )
    answer = answers[0]
    if answer.weight is not None and not _equal(answer.weight, HUNDRED):
        raise Unmappable(f"the numeric answer is worth {answer.weight}%, not 100%")
    if answer.feedback.strip():
        raise Unmappable(
            "feedback on a numeric answer cannot be kept here: use general feedback (####)"
        )
    return {
        "type": QuestionType.NUMERIC.value,
        "answer": answer.value,
        "tolerance": answer.tolerance,
    }


def matching_fields(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Moodle gives a share of the marks for each subquestion matched: partial credit here."""
    for prompt, answer in pairs:
        if not prompt.strip():
            raise Unmappable(
                f"the extra answer {answer!r} has no subquestion: every option here is the "
                "answer of one prompt"
            )
    return {
        "type": QuestionType.MATCHING.value,
        "pairs": [{"prompt": p, "answer": a} for p, a in pairs],
        "partial_credit": True,
    }


def export_weights(question: QuestionSpec) -> list[Decimal]:
    """Moodle weights (percent) for a multiple response question's choices: each right choice
    one share, each wrong one minus one share."""
    share = _share(sum(c.correct for c in question.choices))
    return [share if c.correct else -share for c in question.choices]


def format_weight(weight: Decimal) -> str:
    """A weight as Moodle writes it: at most five decimals (33.33333)."""
    text = f"{weight:.5f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def export_problems(question: QuestionSpec, *, format_name: str) -> list[str]:
    """What a Moodle file cannot say about this question (it is written as near as it can)."""
    problems = []
    if (
        question.type == QuestionType.MULTIPLE_RESPONSE
        and not question.partial_credit
        and sum(c.correct for c in question.choices) > 1
    ):
        problems.append(
            "all-or-nothing multiple response is written with Moodle weights: in Moodle it "
            "gives partial credit"
        )
    if question.type == QuestionType.MATCHING and not question.partial_credit:
        problems.append("all-or-nothing matching: Moodle gives a share for each pair matched")
    # Moodle XML's multiple choice and matching questions have feedback for right and wrong
    # answers (correctfeedback, incorrectfeedback); elsewhere there is one general feedback.
    both = format_name == "Moodle XML" and question.type in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_RESPONSE,
        QuestionType.MATCHING,
    )
    if question.feedback_correct != question.feedback_incorrect and not both:
        problems.append(
            f"different feedback when correct and incorrect: {format_name} has one general "
            "feedback here, so both were left out"
        )
    if format_name == "GIFT" and question.points != 1:
        problems.append(f"worth {question.points} points: GIFT has no points (Moodle gives 1)")
    return [f"question {question.key!r}: {p}" for p in problems]
