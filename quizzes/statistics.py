"""Reads for quiz item analysis (the numbers: quizzes.analysis): who may see it, and the attempts
it reads, with a fixed number of queries whatever the number of attempts.

Who: the facilitators of a cohort see its analysis, admins every cohort's and the analysis of
all attempts at a quiz (no cohort). Anyone else gets Http404, as for a cohort or quiz that does
not exist, so that existence does not leak. Access is checked on every read (a facilitator
removed from a cohort loses it at once): courses.selectors.access.get_managed_cohort.

Which attempts, for a cohort: the submitted attempts at the quiz of the people with a current
enrolment (active or completed) in the cohort, whenever they were made (attempts do not record
a cohort; someone moved from another cohort of the course brings theirs). A withdrawn
participant's attempts leave the cohort's analysis, as the participant leaves its lists, and
are not counted twice when they enrol in another cohort; they stay in the analysis of all
attempts, which reads every submitted attempt at the quiz. Attempts in progress never count.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.html import strip_tags

from accounts.models import User
from courses.models import Cohort, Enrolment
from courses.selectors.access import CURRENT, get_managed_cohort

from .analysis import (
    ATTEMPT_SETS,
    FIRST_ATTEMPTS,
    AttemptRecord,
    ChoiceInfo,
    QuestionInfo,
    QuizAnalysis,
    analyse_quiz,
)
from .models import Attempt, AttemptStatus, Choice, Question, Quiz

# Below this many participants, indices, scores and option shares are not shown (the reports'
# setting; elearn/settings.py may not define it yet).
DEFAULT_MIN_CELL = 5


@dataclass(frozen=True)
class QuizStatistics:
    """The analysis of a quiz's attempts, for one cohort or (cohort None) for all of them."""

    quiz: Quiz
    cohort: Cohort | None
    attempts: str  # analysis.FIRST_ATTEMPTS or ALL_ATTEMPTS
    analysis: QuizAnalysis

    @property
    def cohort_id(self) -> int | None:
        return self.cohort.pk if self.cohort is not None else None


def statistics_min_cell() -> int:
    """K of the small-cell rule: aggregates of fewer than K participants are not shown."""
    return int(getattr(settings, "STATISTICS_MIN_CELL", DEFAULT_MIN_CELL))


def get_cohort_quiz(cohort: Cohort, quiz_id: int) -> Quiz:
    """A quiz of the cohort's course, with its module; Http404 for any other. One query."""
    quiz = (
        Quiz.objects.select_related("course", "module")
        .filter(pk=quiz_id, course_id=cohort.course_id)
        .first()
    )
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def get_quiz_statistics(
    user: User, quiz_id: int, *, cohort_id: int | None, attempts: str = FIRST_ATTEMPTS
) -> QuizStatistics:
    """The item analysis of a quiz for one cohort the user manages, or (cohort_id None, admins
    only) for all its attempts: first attempts or all (`attempts`). Http404 for a quiz or cohort
    that does not exist or is out of the user's reach. At most five queries, whatever the numbers
    of attempts and questions."""
    if attempts not in ATTEMPT_SETS:
        raise ValueError(f"attempts must be one of {ATTEMPT_SETS}, not {attempts!r}")
    if cohort_id is None:
        if not (user.is_authenticated and user.is_staff):
            raise Http404("No such quiz.")
        cohort = None
        quiz = Quiz.objects.select_related("course", "module").filter(pk=quiz_id).first()
        if quiz is None:
            raise Http404("No such quiz.")
    else:
        cohort = get_managed_cohort(user, cohort_id)
        quiz = get_cohort_quiz(cohort, quiz_id)
    # Not `layout`: it is most of an attempt's bytes, and decoding it took half the time.
    rows = _submitted_attempts(quiz, cohort, attempts).values_list(
        "user_id", "number", "score", "passed", "results", "answers"
    )
    analysis = analyse_quiz(
        _questions(quiz),
        (AttemptRecord(*row) for row in rows),
        min_cell=statistics_min_cell(),
    )
    return QuizStatistics(quiz=quiz, cohort=cohort, attempts=attempts, analysis=analysis)


def list_cohort_quizzes(cohort: Cohort) -> QuerySet[Quiz]:
    """The quizzes of the cohort's course in the course's order, each with the numbers of
    submitted attempts (`submitted_attempts`) and of people who made them (`participants`)
    among the cohort's current participants. One query."""
    submitted = Q(attempts__status=AttemptStatus.SUBMITTED) & Q(
        attempts__user_id__in=_current_participants(cohort)
    )
    return (
        Quiz.objects.filter(course_id=cohort.course_id)
        .select_related("module")
        .annotate(
            submitted_attempts=Count("attempts", filter=submitted),
            participants=Count("attempts__user", filter=submitted, distinct=True),
        )
        .order_by("module__order", "module_id", "order", "id")
    )


def _current_participants(cohort: Cohort) -> QuerySet:
    return Enrolment.objects.filter(cohort=cohort, status__in=CURRENT).values("user_id")


def _submitted_attempts(quiz: Quiz, cohort: Cohort | None, attempts: str) -> QuerySet[Attempt]:
    rows = Attempt.objects.filter(quiz=quiz, status=AttemptStatus.SUBMITTED).order_by()
    if cohort is not None:
        rows = rows.filter(user_id__in=_current_participants(cohort))
    if attempts == FIRST_ATTEMPTS:
        rows = rows.filter(number=1)
    return rows


def _questions(quiz: Quiz) -> list[QuestionInfo]:
    """The quiz's questions in its order, with their prompt as plain text and their choices.
    Two queries."""
    choices = Choice.objects.only("id", "question_id", "text", "is_correct", "order")
    questions = (
        Question.objects.filter(quiz=quiz)
        .only("id", "quiz_id", "type", "prompt_html", "order")
        .prefetch_related(Prefetch("choices", queryset=choices))
    )
    return [
        QuestionInfo(
            id=question.pk,
            type=question.type,
            prompt=_plain_text(question.prompt_html),
            choices=tuple(
                ChoiceInfo(id=c.pk, text=c.text, correct=c.is_correct)
                for c in question.choices.all()
            ),
        )
        for question in questions
    ]


def _plain_text(markup: str) -> str:
    """Rendered Markdown as one line of plain text (tags removed, entities decoded)."""
    return " ".join(html.unescape(strip_tags(markup)).split())
