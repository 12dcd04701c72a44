from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.exceptions import PackageError
from courses.services import export_questions
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Write a quiz's questions as GIFT or Moodle XML (docs/question-banks.md); what the "
        "format cannot say about a question is reported as a warning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiz", type=int, required=True, help="the quiz's id")
        parser.add_argument("--format", choices=["gift", "xml"], required=True, dest="fmt")
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args, quiz, fmt, output, **options):
        target = Quiz.objects.filter(pk=quiz).first()
        if target is None:
            raise CommandError(f"No quiz with the id {quiz}.")
        try:
            text, warnings = export_questions(target, fmt=fmt)
        except PackageError as exc:
            raise CommandError(exc.message) from None
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"Wrote {target.title!r} to {output}."))
        else:
            self.stdout.write(text, ending="")
