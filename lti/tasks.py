from celery import shared_task

from .services.sending import purge_used_nonces, send_pending_scores


@shared_task
def send_scores_task() -> int:
    """Send the scores due to the platforms (after each event's commit, and by celery beat as
    the sweep of what never left). Safe to run twice, and by two workers at once
    (send_pending_scores). Retries are the outbox's own: a failed score waits its backoff in
    the database."""
    return send_pending_scores().sent


@shared_task
def purge_used_nonces_task() -> int:
    """Forget launch nonces older than any launch could be (beat, daily). Safe to run twice."""
    return purge_used_nonces()
