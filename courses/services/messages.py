"""Messages from facilitators to a cohort's participants (nudges): one email per participant,
sent in the background at a limited rate, each delivery recorded.

Rules, in one place for the pages, the API and the tasks:

- Who manages the cohort (its facilitators, admins) may message its current participants
  (active or completed enrolments): everyone, those at risk now (courses.dashboard), or a
  selection. Recipients are decided when the message is sent; who withdraws (or moves to
  another cohort) before their email goes is skipped.
- A message has a request key, unique per sender: the same key again returns the first
  message and sends nothing more (a double click, a retried request).
- The fixed wording around the facilitator's text is in the participant's preferred language,
  else the course's; the facilitator's subject and body go as written.
- Each delivery is sent at most once: it is locked (PostgreSQL skips one another worker holds)
  and marked sent in the transaction that sends it. A mail server error counts an attempt;
  after MAX_DELIVERY_ATTEMPTS, or when the server refuses the address for good, it is failed.
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from accounts.models import User
from elearn.emails import SWEEPS_GIVE_UP_AFTER, absolute_url

from ..dashboard import list_at_risk_enrolments
from ..exceptions import InvalidMessage, NoRecipients, NotAllowed, RequestKeyReused
from ..markdown import render_markdown
from ..models import (
    Cohort,
    CohortMessage,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    MessageAudience,
    MessageDelivery,
)
from ..selectors.access import CURRENT, can_manage_cohort

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 20_000
MAX_REQUEST_KEY_LENGTH = 64
MAX_DELIVERY_ATTEMPTS = 5
# A message whose deliveries are still queued and whose task has not worked on them for this
# long lost its task (the task's own retries wait at most 5 minutes): the sweep enqueues it again.
PENDING_AFTER = timedelta(minutes=10)


def new_request_key() -> str:
    """A request key for a message about to be written (the form's hidden field)."""
    return str(uuid.uuid4())


@transaction.atomic
def send_cohort_message(
    cohort: Cohort,
    *,
    by: User,
    audience: str,
    subject: str,
    body: str,
    request_key: str,
    enrolment_ids: list[int] | None = None,
) -> tuple[CohortMessage, bool]:
    """Message some of a cohort's current participants: the message and one queued delivery
    per recipient are stored, and the emails are sent by a task after commit.

    Returns the message and whether this call created it: the same (sender, request key)
    again returns the first message and sends nothing (RequestKeyReused if the key came with
    another message). Raises NotAllowed, InvalidMessage or NoRecipients, changing nothing.
    """
    from ..tasks import send_cohort_message_task  # the tasks module imports this one

    if not can_manage_cohort(by, cohort):
        raise NotAllowed()
    request_key = (request_key or "").strip()
    if not request_key or len(request_key) > MAX_REQUEST_KEY_LENGTH:
        raise InvalidMessage(
            _("The form has expired: reload the page and write the message again.")
        )
    subject = (subject or "").strip()
    body = body or ""
    existing = _sent_with_key(by, request_key)
    if existing is not None:
        return _same_request(existing, cohort, audience, subject, body), False
    _check_text(subject, body)
    recipients = _recipients(cohort, audience, enrolment_ids)
    try:
        with transaction.atomic():
            message = CohortMessage.objects.create(
                cohort=cohort,
                sent_by=by,
                audience=audience,
                subject=subject,
                body=body,
                body_html=render_markdown(body),
                request_key=request_key,
            )
    except IntegrityError:  # the same request, at the same moment (a double click)
        existing = _sent_with_key(by, request_key)
        if existing is None:  # another constraint: not ours to explain
            raise
        return _same_request(existing, cohort, audience, subject, body), False
    course = cohort.course
    MessageDelivery.objects.bulk_create(
        MessageDelivery(
            message=message,
            enrolment=enrolment,
            email=enrolment.user.email,
            language=message_language(enrolment.user, course),
        )
        for enrolment in recipients
    )
    send_cohort_message_task.delay_on_commit(message.pk)
    return message, True


def _sent_with_key(by: User, request_key: str) -> CohortMessage | None:
    return CohortMessage.objects.filter(sent_by=by, request_key=request_key).first()


def _same_request(
    message: CohortMessage, cohort: Cohort, audience: str, subject: str, body: str
) -> CohortMessage:
    if (message.cohort_id, message.audience, message.subject, message.body) != (
        cohort.pk,
        audience,
        subject,
        body,
    ):
        raise RequestKeyReused()
    return message


def _check_text(subject: str, body: str) -> None:
    if not subject:
        raise InvalidMessage(_("Write a subject."), field="subject")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidMessage(
            _("The subject is longer than %(limit)d characters.") % {"limit": MAX_SUBJECT_LENGTH},
            field="subject",
        )
    if not body.strip():
        raise InvalidMessage(_("Write the message."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidMessage(
            _("The message is longer than %(limit)s characters: shorten it.")
            % {"limit": formats.number_format(MAX_BODY_LENGTH, force_grouping=True)},
            field="body",
        )


def _recipients(cohort: Cohort, audience: str, enrolment_ids: list[int] | None) -> list[Enrolment]:
    if audience not in MessageAudience.values:
        raise InvalidMessage(_("Choose who receives the message."), field="audience")
    ids = set(enrolment_ids or ())
    if ids and audience != MessageAudience.SELECTED:
        # On a page without JavaScript the boxes stay visible whatever the choice: ticking
        # some and leaving "everyone" must not message everyone.
        raise InvalidMessage(
            _("You chose participants: choose “Selected participants”, or untick them."),
            field="enrolments",
        )
    current = Enrolment.objects.filter(
        cohort=cohort, status__in=CURRENT, user__deleted_at__isnull=True
    ).select_related("user")
    if audience == MessageAudience.ALL:
        recipients = list(current.order_by("pk"))
        if not recipients:
            raise NoRecipients(_("This cohort has no participants yet."))
    elif audience == MessageAudience.AT_RISK:
        recipients = list(current.filter(pk__in=list_at_risk_enrolments(cohort)).order_by("pk"))
        if not recipients:
            raise NoRecipients(_("Nobody in this cohort is at risk now."))
    else:
        if not ids:
            raise InvalidMessage(_("Choose at least one participant."), field="enrolments")
        recipients = list(current.filter(pk__in=ids).order_by("pk"))
        unknown = ids - {enrolment.pk for enrolment in recipients}
        if unknown:
            raise InvalidMessage(
                _("Not participants of this cohort (any more): %(ids)s. Nothing was sent.")
                % {"ids": ", ".join(str(i) for i in sorted(unknown))},
                field="enrolments",
            )
    return recipients


def message_language(user: User, course) -> str:
    """The language of a participant's email: theirs, else the course's, else the site's."""
    return user.preferred_language or course.language or settings.LANGUAGE_CODE


# Reads for the pages and the API


def list_cohort_messages(cohort: Cohort) -> QuerySet[CohortMessage]:
    """The cohort's messages, newest first, with their sender and how many deliveries are in
    each status (`queued_count`, `sent_count`, `failed_count`, `skipped_count`): one query."""
    return with_delivery_counts(
        CohortMessage.objects.filter(cohort=cohort).select_related("sent_by")
    ).order_by("-created_at", "-id")


def with_delivery_counts(messages: QuerySet[CohortMessage]) -> QuerySet[CohortMessage]:
    """The messages annotated with `<status>_count` for each delivery status and `recipients`."""
    counts = {
        f"{status}_count": Count("deliveries", filter=Q(deliveries__status=status))
        for status in DeliveryStatus.values
    }
    return messages.annotate(recipients=Count("deliveries"), **counts)


# Sending


@dataclass(frozen=True)
class BatchOutcome:
    """What one run of the sender did: emails handed to the mail server (sent or failed),
    whether queued deliveries are left for a next batch, and the mail server's error if it
    stopped the batch (the task retries later)."""

    tried: int
    more: bool
    error: OSError | None = None


def send_message_batch(message_id: int, *, limit: int) -> BatchOutcome:
    """Send up to `limit` queued deliveries of a message, fewest attempts first, one email
    each; safe to run twice, and at once on two workers (a delivery is sent at most once).

    A participant no longer in the cohort, or whose account was deleted, is skipped. An
    address the mail server refuses fails that delivery (for good on a permanent refusal) and
    the batch goes on; any other mail server error counts an attempt and stops the batch
    (BatchOutcome.error).
    """
    message = (
        CohortMessage.objects.select_related("cohort__course", "sent_by")
        .filter(pk=message_id)
        .first()
    )
    if message is None:  # its cohort was deleted since
        return BatchOutcome(tried=0, more=False)
    CohortMessage.objects.filter(pk=message.pk).update(last_batch_at=timezone.now())
    tried, requeued, error = 0, False, None
    done: set[int] = set()  # tried in this run: a delivery left queued waits for the next
    connection = get_connection()
    try:
        while tried < limit and error is None:
            with transaction.atomic():
                delivery = (
                    MessageDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("enrolment__user")
                    .filter(message=message, status=DeliveryStatus.QUEUED)
                    .exclude(pk__in=done)
                    .order_by("attempts", "pk")
                    .first()
                )
                if delivery is None:
                    break
                done.add(delivery.pk)
                enrolment = delivery.enrolment
                if (
                    enrolment.status == EnrolmentStatus.WITHDRAWN
                    or enrolment.cohort_id != message.cohort_id
                    or enrolment.user.deleted_at is not None
                ):
                    delivery.status = DeliveryStatus.SKIPPED
                    delivery.save(update_fields=["status"])
                    continue
                tried += 1
                delivery.email = enrolment.user.email
                try:
                    connection.open()  # once, on the first email: one connection per batch
                    _email(message, delivery, connection).send()
                except smtplib.SMTPRecipientsRefused as refused:
                    _record_failure(delivery, refused, permanent=_refused_for_good(refused))
                    requeued = requeued or delivery.status == DeliveryStatus.QUEUED
                except OSError as failure:  # the mail server itself: stop, the task retries
                    _record_failure(delivery, failure)
                    error = failure
                else:
                    delivery.status = DeliveryStatus.SENT
                    delivery.attempts += 1
                    delivery.sent_at = timezone.now()
                    delivery.save(update_fields=["status", "attempts", "sent_at", "email"])
    finally:
        connection.close()
    more = (tried >= limit or requeued or error is not None) and MessageDelivery.objects.filter(
        message=message, status=DeliveryStatus.QUEUED
    ).exists()
    return BatchOutcome(tried=tried, more=more, error=error)


def _record_failure(delivery: MessageDelivery, error: OSError, *, permanent: bool = False):
    delivery.attempts += 1
    delivery.last_error = _describe(error)[:1000]
    if permanent or delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["attempts", "last_error", "status", "email"])


def _describe(error: OSError) -> str:
    """The mail server's error as a person reads it: its code and words where it gave some."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {reason.decode(errors='replace') if isinstance(reason, bytes) else reason}"
            for code, reason in error.recipients.values()
        )
    return f"{type(error).__name__}: {error}"


def _refused_for_good(error: smtplib.SMTPRecipientsRefused) -> bool:
    """A 5xx answer refuses the address for good; a 4xx (a full mailbox, greylisting) may pass
    later."""
    return all(code >= 500 for code, _reason in error.recipients.values())


def _email(message: CohortMessage, delivery: MessageDelivery, connection) -> EmailMultiAlternatives:
    cohort = message.cohort
    course = cohort.course
    user = delivery.enrolment.user
    sender = message.sent_by
    with translation.override(delivery.language):
        context = {
            "site_name": settings.SITE_NAME,
            "name": user.full_name,
            "sender": (sender.full_name or sender.email) if sender else settings.SITE_NAME,
            "cohort": cohort,
            "course": course,
            "course_url": absolute_url(course.get_absolute_url()),
            "message": message,
            "language": delivery.language,
            "direction": "rtl" if get_language_info(delivery.language)["bidi"] else "ltr",
        }
        text = render_to_string("courses/email/message_body.txt", context)
        html = render_to_string("courses/email/message_body.html", context)
    email = EmailMultiAlternatives(
        " ".join(message.subject.split()),
        text,
        settings.DEFAULT_FROM_EMAIL,
        [delivery.email],
        connection=connection,
        # Replies go to the facilitator who wrote, not to the platform's address.
        reply_to=[formataddr((sender.full_name, sender.email))] if sender else None,
    )
    email.attach_alternative(html, "text/html")
    return email


# The sweep

# Stored untranslated, like the mail server's errors beside it.
GAVE_UP = "Not sent within a day: given up."


def resend_pending_messages(*, older_than: timedelta = PENDING_AFTER) -> int:
    """Enqueue again every message whose deliveries are still queued and whose task has not
    worked on them for `older_than` (lost by the broker, or its retries used up), within a day;
    returns how many. Older than a day (SWEEPS_GIVE_UP_AFTER), a message's queued deliveries
    are marked failed instead, so that its page says so and a person can look.

    The database, not the broker, says what is pending: sending is safe to repeat, so a sweep
    that overlaps a slow task sends nothing twice.
    """
    from ..tasks import send_cohort_message_task  # the tasks module imports this one

    now = timezone.now()
    stale, given_up = now - older_than, now - SWEEPS_GIVE_UP_AFTER
    queued = MessageDelivery.objects.filter(status=DeliveryStatus.QUEUED)
    queued.filter(message__created_at__lt=given_up).update(
        status=DeliveryStatus.FAILED, last_error=GAVE_UP
    )
    pending = (
        CohortMessage.objects.filter(created_at__gte=given_up, created_at__lt=stale)
        .filter(Q(last_batch_at__isnull=True) | Q(last_batch_at__lt=stale))
        .filter(Exists(queued.filter(message=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(pending)
    for message_id in ids:
        send_cohort_message_task.delay_on_commit(message_id)
    return len(ids)
