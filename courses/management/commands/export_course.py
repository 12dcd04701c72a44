from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.models import Course
from courses.services import export_course_package


class Command(BaseCommand):
    help = "Write a course as a package folder that import_course reads back."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the course's slug")
        parser.add_argument("path", help="the folder to write (created if missing; must be empty)")

    def handle(self, *args, slug, path, **options):
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course with the slug {slug!r}.")
        target = Path(path)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(f"{target} exists and is not an empty folder.")
        export_course_package(course, target)
        self.stdout.write(self.style.SUCCESS(f"Wrote {slug!r} to {target}."))
