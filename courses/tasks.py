from celery import shared_task

from .models import Invitation
from .services.bulk import resend_pending_invitations, send_invitation


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
