from datetime import timedelta

from django.core.management.base import BaseCommand

from courses.services.messages import resend_pending_messages


class Command(BaseCommand):
    help = (
        "Enqueue again the messages to participants whose emails are still queued (their task "
        "lost by the broker, or its retries used up); give up on those older than a day. Safe "
        "to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=10,
            help="minutes since a task last worked on the message (10)",
        )

    def handle(self, *args, older_than, **options):
        count = resend_pending_messages(older_than=timedelta(minutes=older_than))
        self.stdout.write(f"{count} messages enqueued again.")
