from django.core.management.base import BaseCommand, CommandError

from courses.exceptions import PackageError
from courses.services import import_questions
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Add the questions of a GIFT (.gift) or Moodle XML (.xml) file to the end of a quiz "
        "(docs/question-banks.md). All or nothing: the whole file is checked first. Questions "
        "are added, never replaced: a question key the quiz already has stops the import."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .gift or .xml file (at most 5 MB)")
        parser.add_argument("--quiz", type=int, required=True, help="the quiz's id")

    def handle(self, *args, path, quiz, **options):
        target = Quiz.objects.filter(pk=quiz).first()
        if target is None:
            raise CommandError(f"No quiz with the id {quiz}.")
        try:
            result = import_questions(path, quiz=target)
        except PackageError as exc:
            raise CommandError(f"{exc.message}\nNothing was changed.") from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        count = len(result.keys)
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {count} question{'' if count == 1 else 's'} to {target.title!r}: "
                + ", ".join(result.keys)
            )
        )
