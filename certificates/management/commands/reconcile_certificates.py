from django.core.management.base import BaseCommand

from certificates.tasks import reconcile_certificates_task


class Command(BaseCommand):
    help = (
        "Enqueue issuing again for completed enrolments that have no issued certificate after "
        "a few minutes (a lost message, a killed worker). Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=5)

    def handle(self, *args, minutes, **options):
        count = reconcile_certificates_task(minutes)
        self.stdout.write(f"{count} certificates enqueued again.")
