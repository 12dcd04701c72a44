"""Item analysis of a quiz: pure functions over submitted attempts, no database.

What is computed, from each attempt's graded `results` ({question id: {"points", "max_points",
"correct", "outcome"}}) and its `answers` (docs/quizzes.md):

- Summary: attempts, participants (distinct people), mean and median score (the attempt's
  percentage as graded) and pass rate (share of attempts that passed).
- Per question, over the attempts that had it (a quiz drawing from a pool shows each attempt
  only some questions; a question deleted before an attempt was submitted is not in its
  results):
  - facility: the mean share of the question's points earned. With partial credit a
    question earning 1 of 2 points counts 0.5, not 0 (as in the attempt's score, and as
    Moodle's facility index); an unanswered question counts 0. `fully_correct` is the share
    of attempts that earned every point, which equals facility for all-or-nothing questions.
  - discrimination: the corrected item-total correlation, Pearson's r between the question's
    share of points and the share of points of the rest of the attempt (its other
    questions), over the attempts that had at least one other question. Shares rather than
    points, so attempts of different lengths (pools) compare. None when it is undefined:
    fewer than 2 such attempts, or either side does not vary (everyone right, say).
  - for single choice, multiple response and true/false questions: how many of the attempts
    that had the question chose each of its choices, and the share; for multiple response the
    shares add up to more than 1. Unanswered is counted apart. A choice counts as shown to
    every attempt that had its question: the attempts' layouts would say exactly, but reading
    them took half a second of the second allowed for 10,000 attempts (bench/item_analysis.py)
    and they only differ when choices are added to a question people have already answered.
  - flags for questions to check: facility < 0.2 (`hard`), facility > 0.95 (`easy`),
    discrimination < 0.2 (`low_discrimination`; none when undefined), judged on the values
    as shown (facility 0.1996 is shown as 20.0% and not flagged).
- Small cells: a question (and the summary) whose attempts come from fewer than `min_cell`
  participants keeps its counts but not its indices, scores and option shares (None, and
  `suppressed` set): with so few people, they tell about individuals.

Which attempts are analysed (first attempts, attempt number 1 of each participant, or all) is
chosen by the caller (quizzes.statistics), which loads only those.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

FIRST_ATTEMPTS = "first"
ALL_ATTEMPTS = "all"
ATTEMPT_SETS = (FIRST_ATTEMPTS, ALL_ATTEMPTS)

FACILITY_LOW = 0.2
FACILITY_HIGH = 0.95
DISCRIMINATION_LOW = 0.2
# The decimals shown: a facility as a percentage to one decimal, a discrimination to two.
SHOWN_FACILITY_DIGITS = 3
SHOWN_DISCRIMINATION_DIGITS = 2

HARD = "hard"
EASY = "easy"
LOW_DISCRIMINATION = "low_discrimination"
FLAGS = (HARD, EASY, LOW_DISCRIMINATION)

# Question types whose answers are choices (grading: a choice id, or a list of them).
SINGLE_CHOICE_TYPES = frozenset({"single_choice", "true_false"})
CHOICE_TYPES = SINGLE_CHOICE_TYPES | {"multiple_response"}

# Indices and shares are rounded for reading; flags are decided on the exact values.
INDEX_DIGITS = 4
SCORE_DIGITS = 2


@dataclass(frozen=True)
class ChoiceInfo:
    id: int
    text: str = ""
    correct: bool = False


@dataclass(frozen=True)
class QuestionInfo:
    """A question of the quiz as analysed: choices in the author's order (choice types)."""

    id: int
    type: str
    prompt: str = ""
    choices: tuple[ChoiceInfo, ...] = ()


@dataclass(frozen=True)
class AttemptRecord:
    """A submitted attempt: who, which number, its score (percent) and whether it passed, and
    its stored results and answers (Attempt fields, as stored)."""

    user: int
    number: int
    score: float | Decimal
    passed: bool
    results: Mapping[str, Mapping[str, Any]]
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptionShare:
    choice: ChoiceInfo
    chosen: int | None  # attempts that chose it; None when suppressed
    share: float | None  # of the attempts that had the question; None when suppressed


@dataclass(frozen=True)
class QuestionAnalysis:
    question: QuestionInfo
    attempts: int
    participants: int
    suppressed: bool
    facility: float | None = None
    fully_correct: float | None = None
    unanswered: float | None = None
    discrimination: float | None = None
    options: tuple[OptionShare, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizAnalysis:
    attempts: int
    participants: int
    min_cell: int
    suppressed: bool
    mean_score: float | None = None
    median_score: float | None = None
    pass_rate: float | None = None
    questions: tuple[QuestionAnalysis, ...] = ()


def analyse_quiz(
    questions: Sequence[QuestionInfo], attempts: Iterable[AttemptRecord], *, min_cell: int
) -> QuizAnalysis:
    """The summary and per-question analysis (see the module's docstring) of the attempts, for
    the questions given, in their order. Attempts should all be submitted (graded)."""
    attempts = list(attempts)
    tallies = {q.id: _Tally(q) for q in questions}
    for attempt in attempts:
        shares = _question_shares(attempt.results)
        total = sum(points for points, _max in shares.values())
        total_max = sum(maximum for _points, maximum in shares.values())
        for key, (points, maximum) in shares.items():
            tally = tallies.get(_int(key))
            if tally is None:  # no longer in the quiz
                continue
            rest_max = total_max - maximum
            rest = (total - points) / rest_max if rest_max > 0 else None
            outcome = attempt.results[key]
            tally.add(
                attempt.user,
                points / maximum,
                rest,
                correct=bool(outcome.get("correct")),
                answered=outcome.get("outcome") != "unanswered",
            )
            if tally.chosen:
                tally.add_choices(attempt.answers.get(key))

    participants = len({attempt.user for attempt in attempts})
    suppressed = _too_few(participants, min_cell)
    scores = [float(attempt.score) for attempt in attempts]
    with_scores = bool(attempts) and not suppressed
    return QuizAnalysis(
        attempts=len(attempts),
        participants=participants,
        min_cell=min_cell,
        suppressed=suppressed,
        mean_score=round(statistics.fmean(scores), SCORE_DIGITS) if with_scores else None,
        median_score=round(statistics.median(scores), SCORE_DIGITS) if with_scores else None,
        pass_rate=(
            round(sum(1 for a in attempts if a.passed) / len(attempts), INDEX_DIGITS)
            if with_scores
            else None
        ),
        questions=tuple(tallies[q.id].result(min_cell) for q in questions),
    )


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient of two equally long series; None when it is undefined
    (fewer than 2 pairs, or a series that does not vary)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mean_x = math.fsum(xs) / n
    mean_y = math.fsum(ys) / n
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    # Below this, the variation is rounding noise (shares are fractions of cents).
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    r = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def flags_for(facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    """The reasons to check a question: hard, easy, low_discrimination (none when undefined).

    Judged on the values as pages and exports show them (a facility as a percentage to one
    decimal, a discrimination to two decimals), so that a question shown at a threshold is
    never flagged as beyond it."""
    if facility is not None:
        facility = round(facility, SHOWN_FACILITY_DIGITS)
    if discrimination is not None:
        discrimination = round(discrimination, SHOWN_DISCRIMINATION_DIGITS)
    flags = []
    if facility is not None and facility < FACILITY_LOW:
        flags.append(HARD)
    if facility is not None and facility > FACILITY_HIGH:
        flags.append(EASY)
    if discrimination is not None and discrimination < DISCRIMINATION_LOW:
        flags.append(LOW_DISCRIMINATION)
    return tuple(flags)


def _too_few(participants: int, min_cell: int) -> bool:
    return 0 < participants < min_cell


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _question_shares(results: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[float, int]]:
    """(points earned, points possible) per question of the results; results without points
    possible (never written by grading, but stored data is not trusted) are left out."""
    shares = {}
    for key, result in results.items():
        try:
            maximum = int(result["max_points"])
            points = float(result["points"])
        except (KeyError, TypeError, ValueError):
            continue
        if maximum > 0:
            shares[key] = (min(max(points, 0.0), float(maximum)), maximum)
    return shares


def _picked(kind: str, answer: Any) -> set[int]:
    """The choice ids a stored answer picks (grading's formats; anything else picks none)."""
    if kind in SINGLE_CHOICE_TYPES:
        answer = [answer]
    if not isinstance(answer, list):
        return set()
    return {a for a in answer if isinstance(a, int) and not isinstance(a, bool)}


class _Tally:
    """What is added up for one question while reading the attempts."""

    def __init__(self, question: QuestionInfo):
        self.question = question
        self.users: set[int] = set()
        self.shares: list[float] = []
        self.pairs_item: list[float] = []
        self.pairs_rest: list[float] = []
        self.correct = 0
        self.unanswered = 0
        kind = question.type
        self.chosen = (
            dict.fromkeys((c.id for c in question.choices), 0) if kind in CHOICE_TYPES else {}
        )

    def add(
        self, user: int, share: float, rest: float | None, *, correct: bool, answered: bool
    ) -> None:
        self.users.add(user)
        self.shares.append(share)
        if rest is not None:
            self.pairs_item.append(share)
            self.pairs_rest.append(rest)
        self.correct += correct
        self.unanswered += not answered

    def add_choices(self, answer: Any) -> None:
        # A choice deleted since (or an id that was never one) is not counted.
        for choice in _picked(self.question.type, answer):
            if choice in self.chosen:
                self.chosen[choice] += 1

    def result(self, min_cell: int) -> QuestionAnalysis:
        n = len(self.shares)
        participants = len(self.users)
        suppressed = _too_few(participants, min_cell)
        hidden = suppressed or n == 0
        options = tuple(
            OptionShare(
                choice=choice,
                chosen=None if hidden else self.chosen[choice.id],
                share=None if hidden else round(self.chosen[choice.id] / n, INDEX_DIGITS),
            )
            for choice in self.question.choices
            if choice.id in self.chosen
        )
        if hidden:
            return QuestionAnalysis(
                question=self.question,
                attempts=n,
                participants=participants,
                suppressed=suppressed,
                options=options,
            )
        facility = math.fsum(self.shares) / n
        discrimination = pearson(self.pairs_item, self.pairs_rest)
        return QuestionAnalysis(
            question=self.question,
            attempts=n,
            participants=participants,
            suppressed=False,
            facility=round(facility, INDEX_DIGITS),
            fully_correct=round(self.correct / n, INDEX_DIGITS),
            unanswered=round(self.unanswered / n, INDEX_DIGITS),
            discrimination=None if discrimination is None else round(discrimination, INDEX_DIGITS),
            options=options,
            flags=flags_for(facility, discrimination),
        )
