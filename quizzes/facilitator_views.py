"""Pages for facilitators and admins: the quizzes of a cohort's course, and each quiz's question
analysis (quizzes.analysis, read by quizzes.statistics) for the cohort or, for admins, for
every attempt at the quiz.

A cohort or quiz someone cannot see is a 404 on every page, so its existence does not leak.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from courses.selectors import get_managed_cohort

from . import statistics
from .analysis import (
    ATTEMPT_SETS,
    EASY,
    FIRST_ATTEMPTS,
    HARD,
    LOW_DISCRIMINATION,
    QuestionAnalysis,
)
from .models import QuestionType

FLAG_REASONS = {
    HARD: gettext_lazy("Few get this right: check the question and its answer."),
    EASY: gettext_lazy("Almost everyone gets this right."),
    LOW_DISCRIMINATION: gettext_lazy(
        "Those who do well on the rest of the quiz do hardly better on this question."
    ),
}
NEGATIVE_DISCRIMINATION = gettext_lazy(
    "Those who do well on the rest of the quiz do worse on this question: check its answer."
)


@login_required
@require_GET
def cohort_quizzes(request, cohort_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    context = {
        "cohort": cohort,
        "cohort_name": _cohort_name(cohort),
        "quizzes": statistics.list_cohort_quizzes(cohort),
    }
    return render(request, "quizzes/facilitate/cohort_quizzes.html", context)


@login_required
@require_GET
def quiz_analysis(request, cohort_id, quiz_id):
    return _analysis_page(request, quiz_id, cohort_id=cohort_id)


@login_required
@require_GET
def quiz_analysis_all(request, quiz_id):
    """Every attempt at the quiz, whatever the cohort: admins only (a 404 for anyone else)."""
    return _analysis_page(request, quiz_id, cohort_id=None)


def _analysis_page(request, quiz_id: int, *, cohort_id: int | None):
    attempts = request.GET.get("attempts", FIRST_ATTEMPTS)
    if attempts not in ATTEMPT_SETS:
        return HttpResponseBadRequest(_("Choose first attempts or all attempts."))
    result = statistics.get_quiz_statistics(
        request.user, quiz_id, cohort_id=cohort_id, attempts=attempts
    )
    analysis = result.analysis
    questions = [_question_row(number, q) for number, q in enumerate(analysis.questions, start=1)]
    context = {
        "quiz": result.quiz,
        "cohort": result.cohort,
        "cohort_name": _cohort_name(result.cohort) if result.cohort else None,
        "course": result.quiz.course,
        "attempts": attempts,
        "analysis": analysis,
        "pass_rate": _percent(analysis.pass_rate),
        "questions": questions,
        "with_options": [row for row in questions if row["options"]],
    }
    return render(request, "quizzes/facilitate/quiz_analysis.html", context)


def _cohort_name(cohort) -> str:
    # The default cohort's name is stored untranslated.
    return _("Self-paced") if cohort.is_default else cohort.name


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _question_row(number: int, question: QuestionAnalysis) -> dict:
    """What the page shows of a question's analysis: shares as percentages, and the reasons
    to check it in words."""
    facility = _percent(question.facility)
    fully_correct = _percent(question.fully_correct)
    return {
        "number": number,
        "question": question.question,
        "type_label": QuestionType(question.question.type).label,
        "analysis": question,
        "facility": facility,
        # Only worth showing when partial credit makes it differ from the facility.
        "fully_correct": fully_correct if fully_correct != facility else None,
        "unanswered": _percent(question.unanswered),
        "reasons": _reasons(question),
        "options": [
            {"choice": option.choice, "chosen": option.chosen, "percent": _percent(option.share)}
            for option in question.options
        ],
    }


def _reasons(question: QuestionAnalysis) -> list[str]:
    reasons = []
    for flag in question.flags:
        if flag == LOW_DISCRIMINATION and question.discrimination < 0:
            reasons.append(NEGATIVE_DISCRIMINATION)
        else:
            reasons.append(FLAG_REASONS[flag])
    return reasons
