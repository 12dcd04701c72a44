"""`item_analysis`: a quiz's questions and answer shares (quizzes.statistics) for a cohort (its
facilitators and admins) or every cohort (admins), suppressed as on the page. Aggregate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.selectors import get_managed_cohort
from quizzes.analysis import ATTEMPT_SETS, EASY, FIRST_ATTEMPTS, HARD, LOW_DISCRIMINATION
from quizzes.models import QuestionType, Quiz
from quizzes.statistics import get_quiz_statistics

from ...models import ExportKind
from ..tables import BOOL, INTEGER, NUMBER, SHARE, TEXT, Column, Table
from .base import Checked, Kind, invalid, parse_id, require_staff, today


class ItemAnalysis(Kind):
    name = ExportKind.ITEM_ANALYSIS
    personal = False
    parameters = ("quiz", "cohort", "attempts")
    always_small = True

    def check(self, user, data: Mapping) -> Checked:
        quiz_id = parse_id(data, "quiz")
        cohort_id = parse_id(data, "cohort", required=False)
        attempts = data.get("attempts") or FIRST_ATTEMPTS
        if attempts not in ATTEMPT_SETS:
            raise invalid("attempts", _("Choose first attempts or all attempts."))
        if cohort_id is None:
            require_staff(user)
            quiz = Quiz.objects.filter(pk=quiz_id).first()
        else:
            cohort = get_managed_cohort(user, cohort_id)
            quiz = Quiz.objects.filter(pk=quiz_id, course_id=cohort.course_id).first()
        if quiz is None:
            raise Http404("No such quiz.")
        parameters = {"quiz": quiz.pk, "attempts": attempts}
        if cohort_id is not None:
            parameters["cohort"] = cohort_id
        scope = f"cohort-{cohort_id}" if cohort_id else "all-cohorts"
        stem = f"question-analysis-{slugify(quiz.title) or quiz.pk}-{scope}-{today()}"
        return Checked(parameters, stem)

    def table(self, user, parameters: dict) -> Table:
        result = get_quiz_statistics(
            user,
            parameters["quiz"],
            cohort_id=parameters.get("cohort"),
            attempts=parameters["attempts"],
        )
        columns = [
            Column("question", _("Question"), INTEGER, 9),
            Column("text", _("Question or answer"), TEXT, 48),
            Column("type", _("Type"), TEXT, 16),
            Column("correct", _("Correct answer"), BOOL, 9),
            Column("attempts", _("Attempts"), INTEGER, 10),
            Column("participants", _("Participants"), INTEGER, 12),
            Column("facility", _("Facility"), SHARE, 10),
            Column("fully_correct", _("Fully correct"), SHARE, 10),
            Column("unanswered", _("Unanswered"), SHARE, 11),
            Column("discrimination", _("Discrimination"), NUMBER, 14),
            Column("chosen", _("Chosen by"), INTEGER, 10),
            Column("share", _("Share choosing it"), SHARE, 10),
            Column("flags", _("To check"), TEXT, 24),
        ]
        return Table(columns, _question_rows(result.analysis))


FLAG_NAMES = {
    HARD: gettext_lazy("hard"),
    EASY: gettext_lazy("easy"),
    LOW_DISCRIMINATION: gettext_lazy("low discrimination"),
}


def _question_rows(analysis) -> Iterator[list]:
    """A row per question, followed by a row per answer choice (choice questions)."""
    hidden = f"<{analysis.min_cell}"
    answer = _("Answer")
    for number, question in enumerate(analysis.questions, start=1):
        info = question.question

        def shown(value, suppressed=question.suppressed):
            return hidden if suppressed else value

        yield [
            number,
            info.prompt,
            str(QuestionType(info.type).label) if info.type in QuestionType.values else info.type,
            None,
            question.attempts,
            question.participants,
            shown(question.facility),
            shown(question.fully_correct),
            shown(question.unanswered),
            shown(question.discrimination),
            None,
            None,
            ", ".join(str(FLAG_NAMES[flag]) for flag in question.flags),
        ]
        for option in question.options:
            yield [
                number, option.choice.text, answer, option.choice.correct, None, None, None,
                None, None, None, shown(option.chosen), shown(option.share), "",
            ]  # fmt: skip
