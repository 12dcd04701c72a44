"""Answers and grading: pure functions, no database.

A question is graded from a snapshot of its data (QuestionData, built from the model rows), the
part of the attempt's layout it was shown with (LayoutItem) and the participant's stored answer.
The same module checks answers before they are saved (clean_answer), so what is stored is
always something grading understands.

Rules, per type (also in docs/quizzes.md):

- single_choice, true_false: full points for the correct choice, none otherwise.
- multiple_response: all or nothing (the picked set equals the correct set); with
  partial_credit each correct choice picked earns points / (number of correct choices) and each
  wrong choice picked cancels one such share, never below zero.
- short_answer: correct when the answer equals one of the accepted answers once both are
  normalised (normalise_text): NFKC, case folded, Arabic tatweel and vowel marks removed,
  whitespace collapsed, punctuation and spaces at either end stripped. An answer that is only
  punctuation is no answer.
- numeric: correct when |answer - numeric_answer| <= tolerance. "3,5" is read as 3.5.
- matching: all or nothing per question; with partial_credit, points / (number of pairs) per
  prompt matched to its answer.

Points are exact fractions while grading; what is stored and shown is rounded down to cents, so
a score is never shown above what was earned and "passed" agrees with the shown score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from .models import QuestionType

MAX_TEXT_ANSWER = 500
MAX_NUMBER_LENGTH = 40
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ChoiceData:
    id: int
    text: str
    is_correct: bool = False
    feedback: str = ""
    key: str = ""


@dataclass(frozen=True)
class PairData:
    id: int
    prompt: str
    answer: str


@dataclass(frozen=True)
class QuestionData:
    """What grading needs to know about a question (a snapshot of the rows), and what its
    review shows (the rendered prompt and feedback), so that one read serves both."""

    id: int
    type: str
    points: int = 1
    partial_credit: bool = False
    accepted_answers: tuple[str, ...] = ()
    numeric_answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    feedback_correct: str = ""
    feedback_incorrect: str = ""
    choices: tuple[ChoiceData, ...] = ()
    pairs: tuple[PairData, ...] = ()
    prompt_html: str = ""
    feedback_correct_html: str = ""
    feedback_incorrect_html: str = ""

    @classmethod
    def from_model(cls, question) -> QuestionData:
        """From a Question whose choices and pairs are prefetched (or few enough to query)."""
        return cls(
            id=question.pk,
            type=question.type,
            points=question.points,
            partial_credit=question.partial_credit,
            accepted_answers=tuple(str(a) for a in question.accepted_answers or ()),
            numeric_answer=question.numeric_answer,
            tolerance=question.tolerance or Decimal(0),
            feedback_correct=question.feedback_correct,
            feedback_incorrect=question.feedback_incorrect,
            prompt_html=question.prompt_html,
            feedback_correct_html=question.feedback_correct_html,
            feedback_incorrect_html=question.feedback_incorrect_html,
            choices=tuple(
                ChoiceData(
                    id=c.pk, text=c.text, is_correct=c.is_correct, feedback=c.feedback, key=c.key
                )
                for c in question.choices.all()
            ),
            pairs=tuple(
                PairData(id=p.pk, prompt=p.prompt, answer=p.answer) for p in question.pairs.all()
            ),
        )

    def choice(self, choice_id: int) -> ChoiceData | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def pair(self, pair_id: int) -> PairData | None:
        return next((p for p in self.pairs if p.id == pair_id), None)


@dataclass(frozen=True)
class LayoutItem:
    """One question of an attempt as it is shown: the order of its choices, matching prompts
    and matching options. A choice is (opaque id, choice id) and an option (opaque id, id of a
    pair whose answer text it shows): the opaque id, made for the attempt, is all the
    participant sees, so it says nothing of the author's order or of the prompt an option fits.
    Stored answers name choices by choice id (shown_answer gives the opaque ids back)."""

    question: int
    choices: tuple[tuple[str, int], ...] = ()
    prompts: tuple[int, ...] = ()
    options: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LayoutItem:
        return cls(
            question=int(data["question"]),
            choices=tuple(_layout_choice(c) for c in data.get("choices", ())),
            prompts=tuple(int(p) for p in data.get("prompts", ())),
            options=tuple((str(o), int(p)) for o, p in data.get("options", ())),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "choices": [[o, c] for o, c in self.choices],
            "prompts": list(self.prompts),
            "options": [[o, p] for o, p in self.options],
        }


def _layout_choice(data: Any) -> tuple[str, int]:
    if isinstance(data, int):  # an attempt started before opaque ids: it showed choice ids
        return str(data), data
    opaque, choice = data
    return str(opaque), int(choice)


class AnswerError(ValueError):
    """An answer that does not fit its question; the message is for the participant."""


@dataclass(frozen=True)
class QuestionResult:
    points: Fraction
    max_points: int
    correct: bool
    answered: bool
    # Feedback for the participant: the question's (correct or incorrect) and, by choice id,
    # that of each choice they picked.
    feedback: str = ""
    choice_feedback: Mapping[int, str] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """correct, partial, incorrect or unanswered."""
        if self.correct:
            return "correct"
        if not self.answered:
            return "unanswered"
        return "partial" if self.points > 0 else "incorrect"

    def to_json(self) -> dict[str, Any]:
        return {
            "points": str(to_cents(self.points)),
            "max_points": self.max_points,
            "correct": self.correct,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class AttemptGrade:
    points: Decimal
    max_points: int
    score: Decimal
    passed: bool
    results: dict[str, QuestionResult]


def to_cents(value: Fraction) -> Decimal:
    """An exact amount rounded down to two decimal places."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=ROUND_DOWN
    )


# Arabic tatweel (U+0640, a stretching stroke) and the vowel marks most Arabic text leaves out:
# the harakat (tanwin, fatha, damma, kasra, shadda, sukun: U+064B-U+0652) and superscript alef
# (U+0670). A reader sees the same word with or without them.
_ARABIC_OPTIONAL_MARKS = dict.fromkeys([0x0640, *range(0x064B, 0x0653), 0x0670])
# Apostrophes a phone or a word processor types for "'" (French elisions such as l'achat):
# the right and left single quotation marks and the modifier letter apostrophe.
_APOSTROPHES = dict.fromkeys([0x2019, 0x2018, 0x02BC], "'")
# Invisible marks pasted text carries (right-to-left, left-to-right and Arabic letter marks,
# zero-width space and no-break space, word joiner, byte-order mark).
_INVISIBLE = dict.fromkeys([0x200F, 0x200E, 0x061C, 0x200B, 0x2060, 0xFEFF])
_FOLD = {**_ARABIC_OPTIONAL_MARKS, **_APOSTROPHES, **_INVISIBLE}


def _is_edge_mark(char: str) -> bool:
    """Punctuation (any Unicode category P*: quotes, brackets, dashes, ¿, ، ...) or a space."""
    return char.isspace() or unicodedata.category(char).startswith("P")


def normalise_text(text: str) -> str:
    """Compare-ready text: NFKC, case folded, Arabic tatweel and vowel marks and invisible
    direction marks removed, typographic apostrophes read as "'", repeated
    whitespace collapsed, then punctuation and spaces stripped from both ends (repeatedly, so
    "« Buying. »" is "buying"); punctuation inside a word or between words stays ("art. 18(2)"
    keeps its "." and "(", "cause/contribute" its "/"). Only punctuation gives "": no answer."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = " ".join(text.translate(_FOLD).split())
    start, end = 0, len(text)
    while start < end and _is_edge_mark(text[start]):
        start += 1
    while end > start and _is_edge_mark(text[end - 1]):
        end -= 1
    return text[start:end]


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def parse_number(value: Any) -> Decimal:
    """A participant's number: an int, a float or a string such as "3.5", "3,5", "-0.25",
    "1 000" or full-width digits. Raises AnswerError for anything else (no exponents)."""
    if isinstance(value, bool):
        raise AnswerError(_("Enter a number."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise AnswerError(_("Enter a number."))
        return Decimal(str(value))
    if not isinstance(value, str) or len(value) > MAX_NUMBER_LENGTH:
        raise AnswerError(_("Enter a number."))
    text = "".join(unicodedata.normalize("NFKC", value).split()).replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as written in much of the world
    if not _NUMBER.fullmatch(text):
        raise AnswerError(_("Enter a number, such as 12 or 3.5."))
    return Decimal(text)


def _shown_choice_id(value: Any) -> str:
    """A choice's id as the participant gives it: a string (a number is read as its digits,
    the ids of attempts started before opaque ids)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise AnswerError(_("Give the id of a choice."))


def clean_answer(question: QuestionData, item: LayoutItem, value: Any) -> Any:
    """The answer in the form it is stored in, or None for "no answer" (clears it).

    Formats given: single_choice, true_false: the opaque id of a choice as shown in the attempt;
    multiple_response: a list of them; short_answer: a string; numeric: a number or a string;
    matching: {pair id: option id}. Choices are stored by choice id (their ids in the quiz).
    Raises AnswerError when the value does not fit the question as it was shown.
    """
    if value is None:
        return None
    kind = question.type
    existing = {c.id for c in question.choices}
    shown_choices = {o: c for o, c in item.choices if c in existing}
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        if isinstance(value, list | dict):
            raise AnswerError(_("Choose one answer: give the id of one choice."))
        choice = shown_choices.get(_shown_choice_id(value))
        if choice is None:
            raise AnswerError(_("This is not one of the question's choices."))
        return choice
    if kind == QuestionType.MULTIPLE_RESPONSE:
        if not isinstance(value, list):
            raise AnswerError(_("Give a list of choice ids."))
        picked = {_shown_choice_id(v) for v in value}
        if not picked <= shown_choices.keys():
            raise AnswerError(_("This is not one of the question's choices."))
        return [c for o, c in item.choices if o in picked] or None
    if kind == QuestionType.SHORT_ANSWER:
        if not isinstance(value, str):
            raise AnswerError(_("Give your answer as text."))
        if len(value) > MAX_TEXT_ANSWER:
            raise AnswerError(
                _("Keep your answer to %(n)d characters or fewer.") % {"n": MAX_TEXT_ANSWER}
            )
        return value.strip() or None
    if kind == QuestionType.NUMERIC:
        if isinstance(value, str) and not value.strip():
            return None
        parse_number(value)
        return value.strip() if isinstance(value, str) else str(value)
    if kind == QuestionType.MATCHING:
        if not isinstance(value, dict):
            raise AnswerError(_("Give an object mapping each prompt's id to an option's id."))
        prompts = {str(p) for p in item.prompts} & {str(p.id) for p in question.pairs}
        options = {o for o, _pair in item.options}
        cleaned = {}
        for prompt, option in value.items():
            if prompt not in prompts:
                raise AnswerError(_("This is not one of the question's prompts."))
            if option is None:
                continue
            if not isinstance(option, str) or option not in options:
                raise AnswerError(_("This is not one of the question's options."))
            cleaned[prompt] = option
        # Stored in the order the prompts were shown.
        return {str(p): cleaned[str(p)] for p in item.prompts if str(p) in cleaned} or None
    raise AnswerError(_("This question cannot be answered."))


def grade_question(question: QuestionData, item: LayoutItem, answer: Any) -> QuestionResult:
    """Points (exact), correctness and feedback for one stored answer.

    An answer that no longer fits the question (the author changed it during the attempt)
    counts as no answer.
    """
    try:
        answer = clean_answer(question, item, shown_answer(item, answer))
    except AnswerError:
        answer = None
    if question.type == QuestionType.SHORT_ANSWER and answer and not normalise_text(answer):
        answer = None  # only punctuation ("?", "..."): no answer, kept as typed but worth nothing
    points = Fraction(0)
    correct = False
    picked: set[int] = set()
    full = Fraction(question.points)
    kind = question.type
    if answer is None:
        pass
    elif kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        picked = {answer}
        choice = question.choice(answer)
        correct = bool(choice and choice.is_correct)
        points = full if correct else Fraction(0)
    elif kind == QuestionType.MULTIPLE_RESPONSE:
        picked = set(answer)
        right = {c.id for c in question.choices if c.is_correct}
        correct = picked == right
        if correct:
            points = full
        elif question.partial_credit and right:
            shares = len(picked & right) - len(picked - right)
            points = max(Fraction(0), full * shares / len(right))
    elif kind == QuestionType.SHORT_ANSWER:
        given = normalise_text(answer)  # never "" here; an accepted "" can never be matched
        correct = any(given == normalise_text(a) for a in question.accepted_answers)
        points = full if correct else Fraction(0)
    elif kind == QuestionType.NUMERIC:
        if question.numeric_answer is not None:
            correct = abs(parse_number(answer) - question.numeric_answer) <= question.tolerance
        points = full if correct else Fraction(0)
    elif kind == QuestionType.MATCHING:
        matched = matching_marks(question, item, answer)
        correct = bool(matched) and all(matched.values())
        if correct:
            points = full
        elif question.partial_credit and matched:
            points = full * sum(matched.values()) / len(matched)
    return QuestionResult(
        points=points,
        max_points=question.points,
        correct=correct,
        answered=answer is not None,
        feedback=question.feedback_correct if correct else question.feedback_incorrect,
        choice_feedback={c.id: c.feedback for c in question.choices if c.id in picked},
    )


def matching_marks(
    question: QuestionData, item: LayoutItem, answer: Mapping[str, str] | None
) -> dict[int, bool]:
    """For each prompt shown (pair id, in order): whether its chosen option shows its answer.

    Options show distinct answer texts, so a prompt is right when the chosen option's text is
    its pair's answer: two pairs with the same answer share one option, and either fits.
    """
    texts = {p.id: p.answer for p in question.pairs}
    option_texts = {o: texts.get(pair) for o, pair in item.options}
    answer = answer or {}
    marks = {}
    for prompt in item.prompts:
        if prompt not in texts:
            continue
        chosen = answer.get(str(prompt))
        marks[prompt] = chosen is not None and option_texts.get(chosen) == texts[prompt]
    return marks


def grade_attempt(
    questions: Mapping[int, QuestionData],
    layout: Sequence[LayoutItem],
    answers: Mapping[str, Any],
    *,
    pass_mark: int,
) -> AttemptGrade:
    """Grade every question of the layout that still exists; the score is a percentage of the
    points of those questions and passes when it reaches pass_mark."""
    results: dict[str, QuestionResult] = {}
    for item in layout:
        question = questions.get(item.question)
        if question is None:  # deleted since the attempt started: not counted
            continue
        results[str(item.question)] = grade_question(
            question, item, answers.get(str(item.question))
        )
    total = sum((r.points for r in results.values()), Fraction(0))
    max_points = sum(r.max_points for r in results.values())
    exact = total * 100 / max_points if max_points else Fraction(0)
    return AttemptGrade(
        points=to_cents(total),
        max_points=max_points,
        score=to_cents(exact),
        passed=bool(max_points) and exact >= pass_mark,
        results=results,
    )


def option_texts(question: QuestionData) -> list[tuple[int, str]]:
    """The distinct answer texts of a matching question, each with the first pair giving it."""
    seen: dict[str, int] = {}
    for pair in question.pairs:
        seen.setdefault(pair.answer, pair.id)
    return [(pair_id, text) for text, pair_id in seen.items()]


def shown_answer(item: LayoutItem, answer: Any) -> Any:
    """A stored answer as the participant gave it: choices by their opaque ids in the attempt
    (stored answers name them by choice id); other answers are stored as given."""
    if not item.choices:
        return answer
    shown = {c: o for o, c in item.choices}
    if isinstance(answer, list):
        return [shown[c] for c in answer if c in shown]
    if isinstance(answer, int) and not isinstance(answer, bool):
        return shown.get(answer)
    return answer


def shown_answers(layout: Iterable[LayoutItem], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers by question id as the participant gave them (shown_answer for each)."""
    items = {str(item.question): item for item in layout}
    return {
        key: shown_answer(items[key], value) if key in items else value
        for key, value in answers.items()
    }


def picked_choices(question: QuestionData, answer: Any) -> Iterable[int]:
    """The choice ids a stored answer picks (for review)."""
    if question.type == QuestionType.MULTIPLE_RESPONSE and isinstance(answer, list):
        return answer
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE) and isinstance(
        answer, int
    ):
        return [answer]
    return []
