from django.core.management.base import BaseCommand, CommandError

from courses.exceptions import PackageError
from courses.services import import_course_package


class Command(BaseCommand):
    help = "Create or update a course from a course package folder (docs/course-package.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the package folder (it holds course.yaml)")

    def handle(self, *args, path, **options):
        try:
            result = import_course_package(path)
        except PackageError as exc:
            raise CommandError(f"{exc.message}\nNothing was changed.") from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        verb = "Created" if result.created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} course {result.course.slug!r}."))
        for kind, counts in result.counts.items():
            if kind == "courses":
                continue
            figures = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            if figures:
                self.stdout.write(f"  {kind}: {figures}")
