"""Moodle question files (GIFT, Moodle XML) into and out of a quiz (docs/question-banks.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Max, Prefetch

from quizzes.models import Question, Quiz

from ..exceptions import PackageError
from ..packages.question_files import read_question_file, write_question_file
from .packages import ImportResult, quiz_spec, sync_quiz_questions


@dataclass
class QuestionImport:
    quiz: Quiz
    keys: list[str]
    warnings: list[str] = field(default_factory=list)


def import_questions(path: str | Path, *, quiz: Quiz) -> QuestionImport:
    """Add the questions of a GIFT or Moodle XML file after the quiz's own, all or nothing.

    The whole file is read and checked first (PackageError names the file and line). Nothing is
    replaced: a question key the quiz already has is an error, and nothing is written.
    """
    path = Path(path)
    bank = read_question_file(path)
    with transaction.atomic():
        quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
        taken = set(quiz.questions.values_list("key", flat=True))
        clashes = [q.key for q in bank.questions if q.key in taken]
        if clashes:
            raise PackageError(
                f"the quiz already has questions with the keys {', '.join(clashes)}; questions "
                "are added, never replaced: give these other titles (::title:: in GIFT, <name> "
                "in Moodle XML) or remove them from the file",
                file=path.name,
            )
        last = quiz.questions.aggregate(last=Max("order"))["last"]
        sync_quiz_questions(
            ImportResult(course=quiz.course, created=False),
            quiz,
            bank.questions,
            first_order=0 if last is None else last + 1,
            delete_leftovers=False,
        )
    return QuestionImport(quiz=quiz, keys=[q.key for q in bank.questions], warnings=bank.warnings)


def export_questions(quiz: Quiz, *, fmt: str) -> tuple[str, list[str]]:
    """The quiz's questions as GIFT (fmt "gift") or Moodle XML ("xml") text, with what the
    format could not say about them (warnings: the text holds the nearest Moodle equivalent)."""
    quiz = Quiz.objects.prefetch_related(
        Prefetch("questions", queryset=Question.objects.prefetch_related("choices", "pairs"))
    ).get(pk=quiz.pk)
    return write_question_file(quiz_spec(quiz).questions, fmt)
