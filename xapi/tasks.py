from celery import shared_task

from .services import purge_sent_statements, send_pending_statements


@shared_task
def send_statements_task() -> int:
    """Send the statements due to the learning record store (after each event's commit, and by
    celery beat as the sweep of what never left). Safe to run twice, and by two workers at once
    (send_pending_statements). Retries are the outbox's own: each failed statement waits its
    backoff in the database."""
    return send_pending_statements().sent


@shared_task
def purge_sent_statements_task() -> int:
    """Delete statements sent long ago (beat, daily). Safe to run twice."""
    return purge_sent_statements()
