from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Invitation
from .services.bulk import resend_pending_invitations, send_invitation
from .services.messages import resend_pending_messages, send_message_batch


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_invitation_task(invitation_id: int) -> None:
    """Email one invitation; retried with backoff while the mail server is unreachable.

    Safe to run twice: an invitation already sent (or accepted) is not sent again.
    """
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is not None:  # its cohort may have been deleted since
        send_invitation(invitation)


@shared_task
def resend_pending_invitations_task() -> int:
    """The invitation sweep (resend_pending_invitations), for celery beat."""
    return resend_pending_invitations()


MESSAGE_RETRIES = 8


@shared_task(bind=True, max_retries=MESSAGE_RETRIES, acks_late=True, reject_on_worker_lost=True)
def send_cohort_message_task(self, message_id: int) -> int:
    """Email a message's queued deliveries, NUDGE_EMAILS_PER_MINUTE at most per run; returns
    how many emails went to the mail server. Safe to run twice (send_message_batch).

    While the mail server fails, retried with backoff (up to 5 minutes apart); a message lost
    on the way, or whose retries ran out, is found again by resend_pending_messages_task.
    """
    started = timezone.now()
    outcome = send_message_batch(message_id, limit=max(settings.NUDGE_EMAILS_PER_MINUTE, 1))
    if outcome.error is not None and outcome.more:
        countdown = min(30 * 2**self.request.retries, 300)
        raise self.retry(exc=outcome.error, countdown=countdown)
    if outcome.more:
        # The throttle: this run sent its minute's share, the rest go from the next minute on.
        # The countdown spaces sends out on purpose; it does not wait for some state to settle.
        elapsed = (timezone.now() - started).total_seconds()
        send_cohort_message_task.apply_async((message_id,), countdown=max(60 - elapsed, 0))
    return outcome.tried


@shared_task
def resend_pending_messages_task() -> int:
    """The sweep of messages to participants (resend_pending_messages), for celery beat."""
    return resend_pending_messages()
