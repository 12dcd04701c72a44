"""Invitations to a cohort for addresses without an account: their email (sent once), their
acceptance when the address is confirmed, and the sweep that sends again what a lost task did
not."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from accounts.models import User
from elearn.emails import SWEEPS_GIVE_UP_AFTER, absolute_url
from elearn.errors import DomainError

from ...models import Enrolment, Invitation
from ...selectors.access import can_manage_cohort
from ..enrolment import enrol

logger = logging.getLogger(__name__)


def send_invitation(invitation: Invitation) -> bool:
    """Email an invitation unless it was already sent or accepted; True if this call sent it.

    `sent_at` is set in the transaction that sends, under a row lock: a second run sends nothing.
    The email is in the course's language and links to sign-up with the address filled in.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("cohort__course", "invited_by")
            .filter(pk=invitation.pk)
            .first()
        )
        if invitation is None or invitation.sent_at or invitation.accepted_at:
            return False
        _invitation_email(invitation).send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def _invitation_email(invitation: Invitation) -> EmailMessage:
    cohort = invitation.cohort
    course = cohort.course
    inviter = invitation.invited_by
    context = {
        "site_name": settings.SITE_NAME,
        "course": course,
        "cohort": cohort,
        "email": invitation.email,
        "inviter": (inviter.full_name or inviter.email) if inviter else "",
        "signup_url": absolute_url(
            f"{reverse('account_signup')}?{urlencode({'email': invitation.email})}"
        ),
        "course_url": absolute_url(course.get_absolute_url()),
    }
    with translation.override(course.language):
        subject = render_to_string("courses/email/invitation_subject.txt", context)
        body = render_to_string("courses/email/invitation_message.txt", context)
    return EmailMessage(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [invitation.email]
    )


@transaction.atomic
def accept_invitations(user: User, email: str) -> list[Enrolment]:
    """Enrol a user in the cohort of every pending invitation to `email`, an address of theirs
    just confirmed, and mark those invitations accepted.

    The inviter is recorded as who enrolled them while they still manage the cohort; otherwise
    the platform enrols them. Oldest first: of two invitations to one course, the newest wins.
    """
    invitations = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("cohort", "invited_by")
        .filter(email__iexact=email.strip(), accepted_at__isnull=True)
        .order_by("created_at", "pk")
    )
    enrolments = []
    for invitation in invitations:
        inviter = invitation.invited_by
        try:
            with transaction.atomic():
                # The invitation itself is the permission, even if the inviter has since stopped
                # managing the cohort; the inviter is recorded only while they still manage it.
                still_manages = (
                    inviter is not None
                    and inviter != user
                    and can_manage_cohort(inviter, invitation.cohort)
                )
                enrolment = enrol(
                    user,
                    invitation.cohort,
                    enrolled_by=inviter if still_manages else None,
                    by_system=True,
                )
        except DomainError as exc:
            # Confirming an address must not fail because of an enrolment; the invitation stays
            # pending and is tried again on the next confirmation.
            logger.warning("Invitation %s not accepted: %s", invitation.pk, exc.code)
            continue
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        enrolments.append(enrolment)
    return enrolments


PENDING_AFTER = timedelta(minutes=10)


def resend_pending_invitations(*, older_than: timedelta = PENDING_AFTER) -> int:
    """Enqueue again every invitation whose email has not gone out after `older_than`, within
    a day (SWEEPS_GIVE_UP_AFTER: after that a person must look, e.g. at an address the mail
    server refuses).

    The database, not the broker, says what is pending: an embedded broker loses the message of
    a worker killed mid-task. Sending is safe to repeat (send_invitation), so a sweep that
    overlaps a slow worker sends nothing twice. Returns how many were enqueued.
    """
    from ...tasks import send_invitation_task  # the tasks module imports this one

    pending = Invitation.objects.filter(
        sent_at__isnull=True,
        accepted_at__isnull=True,
        created_at__lt=timezone.now() - older_than,
        created_at__gte=timezone.now() - SWEEPS_GIVE_UP_AFTER,
    ).values_list("pk", flat=True)
    ids = list(pending)
    for invitation_id in ids:
        send_invitation_task.delay_on_commit(invitation_id)
    return len(ids)
