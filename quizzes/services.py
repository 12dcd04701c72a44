"""Everything that changes quiz attempts: start (or resume), save answers, submit, and close
attempts whose time is up.

The time limit, enforced here and nowhere else: a quiz with time_limit_minutes gives each
attempt a deadline, fixed when it starts (started_at + the limit; changing the quiz later does
not move it). Until the deadline, inclusive, answers can be saved. After it:

- saving answers is refused with TimeUp (code "time_up") and changes nothing;
- the participant can still submit: the attempt is graded on what was saved before the
  deadline (answers sent with a late submission are ignored);
- if they do not, the attempt is graded for them the next time they open the quiz, the attempt
  or the list of their attempts, or start again (close_expired_attempt).

Either way an attempt that ran out of time records the deadline as its submission time.
Grading happens once, on the server, when the attempt is submitted; a passed attempt may
complete the participant's enrolment (courses.services.progress.record_quiz_result), in the
same transaction.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.selectors.access import get_current_enrolment
from courses.services.progress import record_active_month, record_quiz_result
from lti.scores import grade_links_exist, record_quiz_score
from xapi.statements import record_attempt_graded, record_attempt_started

from .exceptions import (
    AlreadySubmitted,
    AttemptLimitReached,
    InvalidAnswers,
    NotEnrolled,
    QuizHasNoQuestions,
    TimeUp,
)
from .grading import (
    AnswerError,
    LayoutItem,
    QuestionData,
    clean_answer,
    grade_attempt,
    option_texts,
)
from .models import Attempt, AttemptStatus, QuestionType, Quiz
from .selectors import get_layout, get_layout_questions, get_quiz_questions

# Draws and shuffles in production; tests pass their own seeded random.Random.
_system_random = random.SystemRandom()


@dataclass(frozen=True)
class Submission:
    """What submit_attempt did: the attempt as graded; whether this call graded it (False when
    it replayed a submission already recorded, see Attempt.submit); whether the pass completed
    the participant's course; and the questions it was graded on, by id, to build its review
    from (quizzes.selectors.get_attempt_detail) without reading them again."""

    attempt: Attempt
    graded: bool
    completed_course: bool
    questions: Mapping[int, QuestionData]


def start_attempt(
    user: User, quiz: Quiz, *, now: datetime | None = None, rng: random.Random | None = None
) -> tuple[Attempt, bool]:
    """Start an attempt, or resume the one in progress: returns (attempt, created).

    Needs a current enrolment (active or completed) in the quiz's course (NotEnrolled), and an
    attempt left under max_attempts (AttemptLimitReached). An in-progress attempt whose time is
    up is graded first. The questions drawn and every order shown are fixed now, in `layout`.
    """
    now = now or timezone.now()
    rng = rng or _system_random
    enrolment = get_current_enrolment(user, quiz.course)
    if enrolment is None:
        raise NotEnrolled()
    current = _in_progress(user, quiz)
    if current is not None:
        if not current.is_past_deadline(now):
            return current, False
        # Graded in its own transaction: it stands even if no new attempt can be started.
        close_attempt_if_expired(current, now=now)
    with transaction.atomic():
        used = Attempt.objects.filter(user=user, quiz=quiz).aggregate(
            count=Count("pk"), last=Max("number")
        )
        if quiz.max_attempts is not None and used["count"] >= quiz.max_attempts:
            raise AttemptLimitReached()
        pool = list(get_quiz_questions(quiz).values())
        if not pool:
            raise QuizHasNoQuestions()
        layout = _build_layout(quiz, pool, rng)
        try:
            # The database is the last guard: one attempt in progress per participant and
            # quiz, and attempt numbers unique, so two concurrent starts make one attempt.
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    user=user,
                    quiz=quiz,
                    number=(used["last"] or 0) + 1,
                    started_at=now,
                    deadline=(
                        now + timedelta(minutes=quiz.time_limit_minutes)
                        if quiz.time_limit_minutes
                        else None
                    ),
                    layout=[item.to_json() for item in layout],
                )
        except IntegrityError:
            current = _in_progress(user, quiz)
            if current is None:
                raise
            return current, False
        record_active_month(user.pk, quiz.course_id, now)
        record_attempt_started(enrolment, attempt)
        return attempt, True


def save_answers(
    attempt: Attempt, *, answers: Mapping[Any, Any], now: datetime | None = None
) -> Attempt:
    """Merge answers into an in-progress attempt, by question id; a None value clears one.

    All or nothing: if any answer does not fit its question (InvalidAnswers, with messages by
    question id) nothing is saved. Refused once submitted (AlreadySubmitted) or after the
    deadline (TimeUp).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(attempt.pk)
        if locked.is_submitted:
            raise AlreadySubmitted()
        if locked.is_past_deadline(now):
            raise TimeUp()
        _layout, questions = get_layout_questions(locked)
        _merge_answers(locked, answers, questions, now=now)
        locked.save(update_fields=["answers", "answers_saved_at"])
        return locked


def submit_attempt(
    user: User,
    attempt_id: int,
    *,
    answers: Mapping[Any, Any] | None = None,
    now: datetime | None = None,
) -> Submission:
    """Grade the user's own attempt, once (Http404 for anyone else's, as get_attempt_for).

    `answers`, if given, are saved first as by save_answers (all or nothing), unless the
    deadline has passed: then only what was saved before it is graded. A second submission
    raises AlreadySubmitted, except the same one replayed (Attempt.submit). Notes the
    participant's activity; a pass may complete their enrolment (record_quiz_result), in the
    same transaction; the score goes to the participant's LTI grade links, if any
    (lti.scores; whether there are any is read with the attempt). Reads the attempt and its
    questions once: five statements after a pass, in one transaction (more when the pass
    completes the course).
    """
    return _submit(attempt_id, user=user, answers=answers, now=now or timezone.now())


def close_expired_attempt(user: User, quiz: Quiz, *, now: datetime | None = None) -> Attempt | None:
    """Grade the participant's in-progress attempt at the quiz if its deadline has passed.

    Returns the attempt graded now, or None. Called whenever the participant opens the quiz or
    their attempts, so that running out of time never leaves an attempt hanging.
    """
    now = now or timezone.now()
    expired = (
        Attempt.objects.filter(
            user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS, deadline__lt=now
        )
        .values_list("pk", flat=True)
        .first()
    )
    if expired is None:
        return None
    try:
        submission = _submit(expired, now=now)
    except AlreadySubmitted:  # the participant submitted it at the same moment
        return None
    return submission.attempt if submission.graded else None


def close_attempt_if_expired(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """The attempt, graded first if it is in progress and its deadline has passed."""
    now = now or timezone.now()
    if attempt.is_submitted or not attempt.is_past_deadline(now):
        return attempt
    try:
        return _submit(attempt.pk, now=now).attempt
    except AlreadySubmitted:
        return Attempt.objects.select_related("quiz__course").get(pk=attempt.pk)


def _submit(
    attempt_id: int,
    *,
    now: datetime,
    user: User | None = None,
    answers: Mapping[Any, Any] | None = None,
) -> Submission:
    with transaction.atomic():
        attempt = _lock(attempt_id, user=user)
        layout, questions = get_layout_questions(attempt)
        merged = bool(answers) and not attempt.is_submitted and not attempt.is_past_deadline(now)
        if merged:
            _merge_answers(attempt, answers, questions, now=now)
        grade = grade_attempt(questions, layout, attempt.answers, pass_mark=attempt.quiz.pass_mark)
        graded = attempt.submit(
            at=min(now, attempt.deadline) if attempt.deadline else now,
            points=grade.points,
            max_points=grade.max_points,
            score=grade.score,
            passed=grade.passed,
            results={key: result.to_json() for key, result in grade.results.items()},
        )
        completed = False
        if graded:
            grade_fields = ["status", "submitted_at", "points", "max_points", "score", "passed"]
            answer_fields = ["answers", "answers_saved_at"] if merged else []
            attempt.save(update_fields=[*grade_fields, "results", *answer_fields])
            record_attempt_graded(attempt, questions)
            record_quiz_score(attempt, linked=attempt.graded_by_platform)
            completed = record_quiz_result(
                attempt.user_id, attempt.quiz.course_id, passed=grade.passed
            )
        return Submission(attempt, graded=graded, completed_course=completed, questions=questions)


# Attempts as a submission reads them. Only the attempt row is locked (of=self), not the quiz
# joined to it. Read with it: whether a platform's gradebook (LTI) awaits its score, so a
# submission asks nothing more when none does. Built once: the ORM's work of resolving the
# subquery took a twentieth of a submission's time (bench/run.py quiz-submit); each use
# filters a copy (a queryset is never changed by chaining).
_LOCKABLE_ATTEMPTS = (
    Attempt.objects.select_for_update(of=("self",))
    .select_related("quiz")
    .annotate(graded_by_platform=grade_links_exist())
)


def _lock(attempt_id: int, *, user: User | None = None) -> Attempt:
    """The attempt locked for update, with its quiz; if `user` is given, only theirs (Http404
    for anyone else's, as selectors.get_attempt_for)."""
    owner = {} if user is None else {"user_id": user.pk}
    try:
        return _LOCKABLE_ATTEMPTS.get(pk=attempt_id, **owner)
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None


def _in_progress(user: User, quiz: Quiz) -> Attempt | None:
    return (
        Attempt.objects.select_related("quiz__course")
        .filter(user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS)
        .first()
    )


def _merge_answers(
    attempt: Attempt,
    answers: Mapping[Any, Any],
    questions: Mapping[int, QuestionData],
    *,
    now: datetime,
) -> None:
    """Merge `answers` into the attempt (in memory), checked against its `questions` as read;
    InvalidAnswers if any does not fit."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswers({}, _("Give the answers as an object keyed by question id."))
    items = {str(item.question): item for item in get_layout(attempt)}
    answers = {str(key): value for key, value in answers.items()}
    errors: dict[str, list[str]] = {
        key: [_("This question is not part of this attempt.")]
        for key in answers
        if key not in items
    }
    merged = dict(attempt.answers)
    for key, value in answers.items():
        if key not in items:
            continue
        question = questions.get(items[key].question)
        if question is None:
            errors[key] = [_("This question is no longer part of the quiz.")]
            continue
        try:
            cleaned = clean_answer(question, items[key], value)
        except AnswerError as error:
            errors[key] = [str(error)]
            continue
        if cleaned is None:
            merged.pop(key, None)
        else:
            merged[key] = cleaned
    if errors:
        raise InvalidAnswers(errors)
    attempt.answers = merged
    attempt.answers_saved_at = now


def _build_layout(quiz: Quiz, pool: list[QuestionData], rng: random.Random) -> list[LayoutItem]:
    """Draw and order the questions, choices and matching prompts and options of one attempt.

    Questions keep the quiz's order unless shuffle_questions; a draw picks draw_count of them
    at random. shuffle_choices shuffles choices (not True/False, which stay in that order) and
    matching prompts. Choices get opaque ids made for the attempt, so their ids do not give the
    author's order away (a right answer written first). Matching options are always shuffled and
    get opaque ids, so neither their order nor their ids say which prompt they fit.
    """
    drawn = list(pool)
    if quiz.draw_count and quiz.draw_count < len(pool):
        drawn = rng.sample(pool, quiz.draw_count)
        if not quiz.shuffle_questions:
            position = {q.id: i for i, q in enumerate(pool)}
            drawn.sort(key=lambda q: position[q.id])
    elif quiz.shuffle_questions:
        rng.shuffle(drawn)
    layout = []
    for question in drawn:
        choices = [c.id for c in question.choices]
        prompts = [p.id for p in question.pairs]
        options = []
        if quiz.shuffle_choices:
            if question.type != QuestionType.TRUE_FALSE:
                rng.shuffle(choices)
            rng.shuffle(prompts)
        if question.type == QuestionType.MATCHING:
            options = [pair_id for pair_id, _text in option_texts(question)]
            rng.shuffle(options)
        layout.append(
            LayoutItem(
                question=question.id,
                choices=tuple(zip(_opaque_ids(len(choices)), choices, strict=True)),
                prompts=tuple(prompts),
                options=tuple(zip(_opaque_ids(len(options)), options, strict=True)),
            )
        )
    return layout


def _opaque_ids(count: int) -> list[str]:
    """`count` distinct random ids of 12 hex digits: neither their values nor their order say
    anything about what they stand for. Not taken from the layout's `rng`: they are labels, not
    part of the draw, so a seeded rng (tests, the demo) draws the same questions and orders
    however many ids are made."""
    ids: list[str] = []
    while len(ids) < count:
        candidate = secrets.token_hex(6)
        if candidate not in ids:
            ids.append(candidate)
    return ids
