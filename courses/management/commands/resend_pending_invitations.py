from datetime import timedelta

from django.core.management.base import BaseCommand

from courses.services.bulk import resend_pending_invitations


class Command(BaseCommand):
    help = (
        "Enqueue again the invitation emails that have not gone out (lost by the broker, or "
        "the mail server refused them for longer than the retries). Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=10, help="minutes since the invitation (10)"
        )

    def handle(self, *args, older_than, **options):
        count = resend_pending_invitations(older_than=timedelta(minutes=older_than))
        self.stdout.write(f"{count} invitation emails enqueued again.")
