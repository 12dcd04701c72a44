from django.core.management.base import BaseCommand

from certificates.tasks import SWEEP_AFTER_MINUTES, reconcile_certificates_task


class Command(BaseCommand):
    help = (
        "Enqueue issuing again for completed enrolments that have no issued certificate after "
        "a minute (a lost message, a killed worker), what celery beat runs every 30 seconds: "
        "without beat, run it every minute from cron. Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=SWEEP_AFTER_MINUTES,
            help=(
                "Only what has been pending this long (default %(default)s: younger work is "
                "still on its way); 0 for everything pending, as at a worker's start."
            ),
        )

    def handle(self, *args, minutes, **options):
        count = reconcile_certificates_task(minutes)
        self.stdout.write(f"{count} certificates enqueued again.")
