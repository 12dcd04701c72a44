from django.core.management.base import BaseCommand

from reports.exports.jobs import purge_expired_exports, resume_stalled_exports


class Command(BaseCommand):
    help = (
        "Delete the files of exports past their expiry (EXPORT_RETENTION_DAYS), and enqueue "
        "again the exports and ready emails the broker lost. What celery beat does every hour "
        "and every minute; for deployments that run cron instead. Safe to run at any time."
    )

    def handle(self, *args, **options):
        expired = purge_expired_exports()
        resumed = resume_stalled_exports()
        self.stdout.write(f"{expired} exports expired, {resumed} enqueued again.")
