from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from . import services
from .services import privacy


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email_task(
    *, subject: str, body: str, to: list[str], from_email: str, html: str | None = None
) -> None:
    """Send one already-rendered email; retried with backoff while the mail server is unreachable.

    Rendering happens in the web process (language, links); the worker only delivers. A retry
    after a partial SMTP failure may deliver twice, which for account email is the lesser evil.
    """
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def purge_expired_api_tokens_task() -> int:
    """Delete expired API tokens (beat, daily). Safe to run twice."""
    return services.purge_expired_api_tokens()


@shared_task
def prune_old_activity_task() -> dict:
    """Delete activity older than ACTIVITY_RETENTION_MONTHS (beat, daily). Safe to run twice."""
    pruned = privacy.prune_old_activity()
    return {
        "lesson_visits": pruned.lesson_visits,
        "message_deliveries": pruned.message_deliveries,
        "sessions": pruned.sessions,
    }
