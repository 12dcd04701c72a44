"""Reads for the quiz API and pages, each with a fixed number of queries.

What a participant sees of a question before submitting (QuestionView) is built here from an
explicit list of fields: prompt, type, points, choice texts, matching prompts and option texts.
Correct answers and feedback only appear in a review (QuestionReview), and a review only exists
for a submitted attempt whose quiz's review policy allows it (review_allowed).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Enrolment
from courses.selectors.access import get_current_enrolment

from .exceptions import NotEnrolled
from .grading import (
    ChoiceData,
    LayoutItem,
    PairData,
    QuestionData,
    matching_marks,
    picked_choices,
    shown_answer,
    shown_answers,
)
from .models import Attempt, AttemptStatus, Question, QuestionType, Quiz, ReviewPolicy


@dataclass(frozen=True)
class ChoiceView:
    id: str  # opaque, made for the attempt (grading.LayoutItem)
    text: str


@dataclass(frozen=True)
class PromptView:
    id: int
    text: str


@dataclass(frozen=True)
class OptionView:
    id: str
    text: str


@dataclass(frozen=True)
class QuestionView:
    """A question as shown during an attempt: nothing that tells the answer."""

    id: int
    type: str
    prompt_html: str
    points: int
    choices: list[ChoiceView] = field(default_factory=list)
    prompts: list[PromptView] = field(default_factory=list)
    options: list[OptionView] = field(default_factory=list)


@dataclass(frozen=True)
class ChoiceReview:
    id: str
    text: str
    correct: bool
    selected: bool
    feedback: str


@dataclass(frozen=True)
class PromptReview:
    id: int
    text: str
    chosen_option: str | None
    chosen_text: str | None
    correct_answer: str
    correct: bool


@dataclass(frozen=True)
class QuestionReview:
    """A graded question with the correct answers and all feedback."""

    id: int
    type: str
    prompt_html: str
    points: int
    points_awarded: Decimal
    correct: bool
    outcome: str
    feedback_html: str
    answer: Any
    choices: list[ChoiceReview] = field(default_factory=list)
    prompts: list[PromptReview] = field(default_factory=list)
    options: list[OptionView] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    tolerance: Decimal | None = None


@dataclass(frozen=True)
class QuizSummary:
    quiz: Quiz
    questions_per_attempt: int
    attempts_used: int
    attempts_remaining: int | None
    best_score: Decimal | None
    passed: bool
    in_progress_attempt: int | None
    enrolled: bool

    @property
    def can_start(self) -> bool:
        """Whether starting would give an attempt (a new one, or the one in progress)."""
        if not self.enrolled or not self.questions_per_attempt:
            return False
        return self.in_progress_attempt is not None or self.attempts_remaining != 0


@dataclass(frozen=True)
class AttemptDetail:
    """An attempt for its participant. In progress: its questions and saved answers.
    Submitted: its grade, and its review if the quiz's policy allows it (else None)."""

    attempt: Attempt
    questions: list[QuestionView] | None = None
    answers: dict[str, Any] | None = None
    seconds_remaining: int | None = None
    review: list[QuestionReview] | None = None


def get_quiz_for(user: User, quiz_id: int) -> Quiz:
    """The quiz with its course and pool size (`pool_size`); Http404 if it does not exist or
    its course is not visible to the user (unpublished, for anyone but admins)."""
    quiz = (
        Quiz.objects.select_related("course")
        .annotate(pool_size=Count("questions"))
        .filter(pk=quiz_id, course__in=Course.objects.visible_to(user))
        .first()
    )
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def check_quiz_access(user: User, quiz: Quiz) -> Enrolment | None:
    """Who may see a quiz (its settings and their own record at it), on its page and in the
    API alike: a participant with a current enrolment in its course (returned), facilitators
    (the Facilitators group) and admins (None: they read it, but take it only if enrolled).
    Anyone else raises NotEnrolled (403 not_enrolled), including a withdrawn participant."""
    enrolment = get_current_enrolment(user, quiz.course)
    if enrolment is None and not (user.is_staff or user.is_facilitator):
        raise NotEnrolled()
    return enrolment


def get_quiz_summary(user: User, quiz: Quiz, *, enrolled: bool) -> QuizSummary:
    """The quiz's settings and the user's own record at it, in one query (plus the pool size
    if `quiz` was not read with get_quiz_for)."""
    stats = Attempt.objects.filter(user=user, quiz=quiz).aggregate(
        used=Count("pk"),
        best=Max("score"),
        passes=Count("pk", filter=Q(passed=True)),
        in_progress=Max("pk", filter=Q(status=AttemptStatus.IN_PROGRESS)),
    )
    pool = getattr(quiz, "pool_size", None)
    if pool is None:
        pool = quiz.questions.count()
    return QuizSummary(
        quiz=quiz,
        questions_per_attempt=min(quiz.draw_count, pool) if quiz.draw_count else pool,
        attempts_used=stats["used"],
        attempts_remaining=(
            max(quiz.max_attempts - stats["used"], 0) if quiz.max_attempts is not None else None
        ),
        best_score=stats["best"],
        passed=stats["passes"] > 0,
        in_progress_attempt=stats["in_progress"],
        enrolled=enrolled,
    )


def get_attempt_for(user: User, attempt_id: int) -> Attempt:
    """The user's own attempt, with its quiz and course; Http404 for anyone else's (admins and
    facilitators included), so that whether an attempt exists is not revealed. No enrolment is
    needed: a participant withdrawn mid-attempt may still finish it."""
    attempt = (
        Attempt.objects.select_related("quiz__course")
        .filter(pk=attempt_id, user_id=user.pk)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def list_attempts(user: User, quiz: Quiz) -> QuerySet[Attempt]:
    """The user's own attempts at the quiz, latest first."""
    return Attempt.objects.filter(user=user, quiz=quiz).order_by("-number")


def review_allowed(attempt: Attempt) -> bool:
    """Whether the participant may see the attempt's correct answers and feedback.

    after_each_attempt: once it is submitted. after_passing: once they have passed the quiz (in
    this attempt or any other; earlier attempts become reviewable too). never: never.
    """
    if not attempt.is_submitted:
        return False
    policy = attempt.quiz.review_policy
    if policy == ReviewPolicy.AFTER_EACH_ATTEMPT:
        return True
    if policy == ReviewPolicy.AFTER_PASSING:
        return bool(attempt.passed) or (
            Attempt.objects.filter(
                user_id=attempt.user_id, quiz_id=attempt.quiz_id, passed=True
            ).exists()
        )
    return False


def get_attempt_detail(
    attempt: Attempt,
    *,
    now: datetime | None = None,
    questions: Mapping[int, QuestionData] | None = None,
) -> AttemptDetail:
    """What the participant sees of their attempt (see AttemptDetail); at most two queries. A
    submitted attempt's review is built from `questions` when given (as its submission read
    them: submit_attempt's Submission), with no query unless the review policy must look at
    the participant's other attempts."""
    if not attempt.is_submitted:
        now = now or timezone.now()
        remaining = None
        if attempt.deadline is not None:
            remaining = max(0, int((attempt.deadline - now).total_seconds()))
        return AttemptDetail(
            attempt=attempt,
            questions=get_attempt_questions(attempt),
            answers=get_saved_answers(attempt),
            seconds_remaining=remaining,
        )
    review = get_attempt_review(attempt, questions=questions) if review_allowed(attempt) else None
    return AttemptDetail(attempt=attempt, review=review)


def get_saved_answers(attempt: Attempt) -> dict[str, Any]:
    """The attempt's saved answers by question id, as the participant gives them: choices by
    their opaque ids in the attempt. No query."""
    return shown_answers(get_layout(attempt), attempt.answers)


def get_attempt_questions(attempt: Attempt) -> list[QuestionView]:
    """The attempt's questions as shown, in its layout's order, without answers or feedback.

    At most one query (get_quiz_questions; its quiz read with the attempt), whatever the number
    of questions. Questions, choices or pairs deleted since the attempt started are left out.
    """
    views = []
    for item, question in _layout_questions(attempt):
        choices = {c.id: c for c in question.choices}
        pairs = {p.id: p for p in question.pairs}
        views.append(
            QuestionView(
                id=question.id,
                type=question.type,
                prompt_html=question.prompt_html,
                points=question.points,
                choices=[ChoiceView(o, choices[c].text) for o, c in item.choices if c in choices],
                prompts=[PromptView(p, pairs[p].prompt) for p in item.prompts if p in pairs],
                options=[
                    OptionView(token, pairs[pair].answer)
                    for token, pair in item.options
                    if pair in pairs
                ],
            )
        )
    return views


def get_attempt_review(
    attempt: Attempt, *, questions: Mapping[int, QuestionData] | None = None
) -> list[QuestionReview]:
    """The submitted attempt question by question: what was given, what was right, the points
    awarded (as graded at submission) and all feedback. Callers check review_allowed first.
    At most one query (get_quiz_questions), none if given its `questions` (as its submission
    read them)."""
    reviews = []
    for item, question in _layout_questions(attempt, questions):
        result = attempt.results.get(str(question.id))
        if result is None:  # not graded (defensive: results cover every question found)
            continue
        answer = attempt.answers.get(str(question.id))
        picked = set(picked_choices(question, answer))
        choices = {c.id: c for c in question.choices}
        pairs = {p.id: p for p in question.pairs}
        option_pairs = dict(item.options)
        marks = matching_marks(question, item, answer if isinstance(answer, dict) else None)
        prompts = []
        for pair_id in item.prompts:
            if pair_id not in pairs:
                continue
            chosen = answer.get(str(pair_id)) if isinstance(answer, dict) else None
            chosen_pair = pairs.get(option_pairs.get(chosen))
            prompts.append(
                PromptReview(
                    id=pair_id,
                    text=pairs[pair_id].prompt,
                    chosen_option=chosen,
                    chosen_text=chosen_pair.answer if chosen_pair else None,
                    correct_answer=pairs[pair_id].answer,
                    correct=marks.get(pair_id, False),
                )
            )
        correct = bool(result["correct"])
        numeric = question.type == QuestionType.NUMERIC
        reviews.append(
            QuestionReview(
                id=question.id,
                type=question.type,
                prompt_html=question.prompt_html,
                points=question.points,
                points_awarded=Decimal(result["points"]),
                correct=correct,
                outcome=result["outcome"],
                feedback_html=(
                    question.feedback_correct_html if correct else question.feedback_incorrect_html
                ),
                answer=shown_answer(item, answer),
                choices=[
                    ChoiceReview(
                        id=o,
                        text=choices[c].text,
                        correct=choices[c].is_correct,
                        selected=c in picked,
                        feedback=choices[c].feedback,
                    )
                    for o, c in item.choices
                    if c in choices
                ],
                prompts=prompts,
                options=[
                    OptionView(token, pairs[pair].answer)
                    for token, pair in item.options
                    if pair in pairs
                ],
                accepted_answers=list(question.accepted_answers)
                if question.type == QuestionType.SHORT_ANSWER
                else [],
                numeric_answer=question.numeric_answer if numeric else None,
                tolerance=question.tolerance if numeric else None,
            )
        )
    return reviews


# The questions of each quiz this process has read, by (quiz id, Quiz.questions_key). A key names
# one version of a quiz's questions, whose content never changes (every write gives the quiz a
# new key: quizzes.signals), so entries never go stale; the bound only caps memory.
_QUESTIONS: dict[tuple[int, str], Mapping[int, QuestionData]] = {}
_QUESTIONS_MAX = 256
_QUESTIONS_LOCK = threading.Lock()


def get_quiz_questions(quiz: Quiz) -> Mapping[int, QuestionData]:
    """The quiz's questions by id, in its order (load_questions, read only): from the database
    once per version of them, then from this process's memory, as Moodle keeps its question
    definitions in a cache. One query at most; none for a version already read. `quiz` as read
    for this request: an instance read before a write to its questions names the version
    before it."""
    key = (quiz.pk, quiz.questions_key)
    questions = _QUESTIONS.get(key)
    if questions is None:
        questions = MappingProxyType({q.id: q for q in load_questions(quiz_id=quiz.pk)})
        with _QUESTIONS_LOCK:
            while len(_QUESTIONS) >= _QUESTIONS_MAX:
                del _QUESTIONS[next(iter(_QUESTIONS))]
            _QUESTIONS[key] = questions
    return questions


def get_layout(attempt: Attempt) -> list[LayoutItem]:
    """The attempt's layout (its questions in the order shown, each with its choices' order and
    opaque ids), read from the row. No query."""
    return [LayoutItem.from_json(item) for item in attempt.layout]


def get_layout_questions(attempt: Attempt) -> tuple[list[LayoutItem], dict[int, QuestionData]]:
    """The attempt's layout, and its questions as they are now by id (at most one query:
    get_quiz_questions): those deleted from its quiz since it started are missing."""
    layout = get_layout(attempt)
    questions = get_quiz_questions(attempt.quiz)
    current = {
        item.question: questions[item.question] for item in layout if item.question in questions
    }
    return layout, current


def load_questions(**filters) -> list[QuestionData]:
    """The questions matching `filters` as snapshots for grading and review (QuestionData), in
    the quiz's order, each with its choices and matching pairs in theirs.

    One query whatever the number of questions: choices and pairs are joined to their question
    rather than prefetched (three queries, as QuestionData.from_model reads them; a test keeps
    the two equal). A question has choices or pairs, so rows do not multiply (and should one
    have both, each choice and pair is still taken once).
    """
    rows = (
        Question.objects.filter(**filters)
        .order_by("order", "id", "choices__order", "choices__id", "pairs__order", "pairs__id")
        .values_list(*_QUESTION_FIELDS, *_CHOICE_FIELDS, *_PAIR_FIELDS)
    )
    found: dict[int, tuple[tuple, dict[int, ChoiceData], dict[int, PairData]]] = {}
    for row in rows:
        _question, choices, pairs = found.setdefault(row[0], (row[:_CHOICES_AT], {}, {}))
        choice_id, text, is_correct, feedback, key = row[_CHOICES_AT:_PAIRS_AT]
        if choice_id is not None and choice_id not in choices:
            choices[choice_id] = ChoiceData(choice_id, text, is_correct, feedback, key)
        pair_id, prompt, answer = row[_PAIRS_AT:]
        if pair_id is not None and pair_id not in pairs:
            pairs[pair_id] = PairData(pair_id, prompt, answer)
    questions = []
    for question, choices, pairs in found.values():
        fields = dict(zip(_QUESTION_FIELDS, question, strict=True))
        fields["accepted_answers"] = tuple(str(a) for a in fields["accepted_answers"] or ())
        fields["tolerance"] = fields["tolerance"] or Decimal(0)
        questions.append(
            QuestionData(**fields, choices=tuple(choices.values()), pairs=tuple(pairs.values()))
        )
    return questions


_QUESTION_FIELDS = (
    "id", "type", "points", "partial_credit", "accepted_answers", "numeric_answer", "tolerance",
    "feedback_correct", "feedback_incorrect", "prompt_html", "feedback_correct_html",
    "feedback_incorrect_html",
)  # fmt: skip
_CHOICE_FIELDS = ("choices__id", "choices__text", "choices__is_correct", "choices__feedback",
                  "choices__key")  # fmt: skip
_PAIR_FIELDS = ("pairs__id", "pairs__prompt", "pairs__answer")
_CHOICES_AT = len(_QUESTION_FIELDS)
_PAIRS_AT = _CHOICES_AT + len(_CHOICE_FIELDS)


def _layout_questions(
    attempt: Attempt, questions: Mapping[int, QuestionData] | None = None
) -> list[tuple[LayoutItem, QuestionData]]:
    if questions is None:
        layout, questions = get_layout_questions(attempt)
    else:
        layout = get_layout(attempt)
    return [(item, questions[item.question]) for item in layout if item.question in questions]
