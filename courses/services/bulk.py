"""Enrolment of many people at once: a checked list of addresses (the preview), applied all or
nothing, and invitations for the addresses that have no account yet."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import FACILITATORS_GROUP, User
from elearn.emails import SWEEPS_GIVE_UP_AFTER, absolute_url
from elearn.errors import DomainError
from elearn.input import first_unstorable_character, unstorable_message

from ..exceptions import InvalidUpload, NotAllowed, UploadAlreadyApplied
from ..models import Cohort, Enrolment, EnrolmentStatus, EnrolmentUpload, Invitation
from .enrolment import CURRENT, can_manage_cohort, enrol

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 2000
HEADER_CELLS = {"email", "e-mail", "email address", "e-mail address"}
MAX_NAME_LENGTH = 200

# What applying an upload does to each row, in the order the preview shows them.
ENROL, MOVE, INVITE, ALREADY = "enrol", "move", "invite", "already"
ACTIONS = (ENROL, MOVE, INVITE, ALREADY)


@dataclass(frozen=True)
class UploadRow:
    line: int
    email: str  # lower case: an address in any case is the same address
    name: str


@dataclass
class UploadPreview:
    """What the preview page shows: the rows grouped by action, and a capacity warning."""

    groups: dict[str, list[dict]]
    over_capacity_by: int | None

    @property
    def counts(self) -> dict[str, int]:
        return {action: len(rows) for action, rows in self.groups.items()}


@dataclass
class UploadSummary:
    """What applying an upload did."""

    enrolled: int = 0
    moved: int = 0
    already: int = 0
    invited: int = 0
    invited_before: int = 0


# Parsing


def parse_enrolment_csv(data: bytes | str) -> list[UploadRow]:
    """The rows of a CSV of addresses, or InvalidUpload listing every bad line (see the module's
    rules: UTF-8, optional header, address then optional name, `,` or `;`, no duplicates)."""
    text = _decode(data)
    lines = [line.rstrip("\n") for line in io.StringIO(text, newline=None)]
    delimiter = _delimiter([line for line in lines if line.strip()])
    rows: list[UploadRow] = []
    problems: list[tuple[int | None, str]] = []
    seen: dict[str, int] = {}
    first = True
    data_rows = 0
    for number, cells in enumerate(_cells(lines, delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:  # spreadsheets pad rows with empty cells
            cells.pop()
        if not cells:
            continue
        is_first, first = first, False
        if is_first and cells[0].lower() in HEADER_CELLS:
            continue
        data_rows += 1
        if data_rows > MAX_UPLOAD_ROWS:
            raise InvalidUpload(
                [(None, _("The list has more than 2,000 addresses: split it into smaller lists."))]
            )
        problem = _row_problem(cells, is_first)
        # The preview is stored, and PostgreSQL refuses NUL: refused here, like a form's text.
        if problem is None and (character := first_unstorable_character("".join(cells))):
            problem = unstorable_message(character)
        if problem is None:
            email = cells[0].lower()
            if email in seen:
                problem = _("%(email)s is already on line %(line)d.") % {
                    "email": email,
                    "line": seen[email],
                }
            else:
                seen[email] = number
                name = cells[1] if len(cells) > 1 else ""
                rows.append(UploadRow(number, email, name[:MAX_NAME_LENGTH]))
        if problem is not None:
            problems.append((number, problem))
    if problems:
        raise InvalidUpload(problems)
    if not rows:
        raise InvalidUpload([(None, _("The list has no addresses."))])
    return rows


def _decode(data: bytes | str) -> str:
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidUpload(
            [(None, _("The list is larger than 1 MB: split it into smaller lists."))]
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            message = _("This line is not UTF-8 text: in a spreadsheet, save as “CSV UTF-8”.")
            raise InvalidUpload([(line, message)]) from None
    return data.removeprefix("\ufeff")


def _delimiter(lines: list[str]) -> str:
    """`,` or `;` (spreadsheets in many languages save CSV with semicolons): whichever puts an
    address (or the header) in the first column of more of the first lines; `,` on a tie."""

    def first_cells_understood(delimiter: str) -> int:
        understood = 0
        for cells in _cells(lines[:100], delimiter):
            first = cells[0].strip() if cells else ""
            understood += first.lower() in HEADER_CELLS or _is_email(first)
        return understood

    return max((",", ";"), key=first_cells_understood)  # max keeps the first of equals


def _cells(lines: list[str], delimiter: str):
    for line in lines:
        try:
            yield next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        except csv.Error:
            yield [line]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= 254


def _row_problem(cells: list[str], is_first: bool) -> str | None:
    if len(cells) > 2:
        return _("Too many columns: put the address first and, if you like, the name second.")
    email = cells[0]
    if not email:
        return _("There is no address in the first column.")
    if email.count("@") > 1 or (len(cells) > 1 and "@" in cells[1]):
        return _("Two addresses on one line: put one address per line.")
    if not _is_email(email):
        if is_first and "@" not in email:
            return _(
                "“%(value)s” is not an email address (a header line must start with “email”)."
            ) % {"value": email}
        return _("“%(value)s” is not an email address.") % {"value": email}
    return None


# Preview and apply


@transaction.atomic
def preview_enrolment_upload(cohort: Cohort, data: bytes | str, *, by: User) -> EnrolmentUpload:
    """Check a CSV of addresses and store it with what applying it would do to each row.

    Nothing else changes. Raises InvalidUpload (every bad line, nothing stored) or NotAllowed.
    """
    if not can_manage_cohort(by, cohort):
        raise NotAllowed()
    rows = parse_enrolment_csv(data)
    emails = [row.email for row in rows]
    accounts = _accounts_by_email(emails)
    current = _current_enrolments(cohort, accounts.values())
    invited = set(
        Invitation.objects.filter(cohort=cohort, email__in=emails).values_list("email", flat=True)
    )
    stored = []
    for row in rows:
        entry = {"line": row.line, "email": row.email, "name": row.name}
        user = accounts.get(row.email)
        enrolment = current.get(user.pk) if user else None
        if user is None:
            entry.update(action=INVITE, invited_before=row.email in invited)
        elif enrolment is None:
            entry["action"] = ENROL
        elif enrolment.cohort_id == cohort.pk:
            entry["action"] = ALREADY
        else:
            entry.update(
                action=MOVE,
                from_cohort=enrolment.cohort.name,
                from_completed=enrolment.status == EnrolmentStatus.COMPLETED,
            )
        stored.append(entry)
    return EnrolmentUpload.objects.create(cohort=cohort, uploaded_by=by, rows=stored)


def describe_upload(upload: EnrolmentUpload) -> UploadPreview:
    """The stored rows grouped by action, and by how many places applying them would take the
    cohort over its capacity (None when it would not; invitations count once accepted)."""
    groups: dict[str, list[dict]] = {action: [] for action in ACTIONS}
    for row in upload.rows:
        groups[row["action"]].append(row)
    over = None
    capacity = upload.cohort.capacity
    if capacity is not None and upload.applied_at is None:
        active = upload.cohort.enrolments.filter(status=EnrolmentStatus.ACTIVE).count()
        joining = len(groups[ENROL]) + len(groups[MOVE])
        if active + joining > capacity:
            over = active + joining - capacity
    return UploadPreview(groups=groups, over_capacity_by=over)


@transaction.atomic
def apply_enrolment_upload(upload: EnrolmentUpload, *, by: User) -> UploadSummary:
    """Enrol every address of a previewed upload that has an account and invite the others, all
    or nothing; one invitation email per new invitation, sent after commit.

    Accounts are looked up again, so an address that signed up since the preview is enrolled.
    Raises UploadAlreadyApplied the second time, NotAllowed unless `by` manages the cohort.
    """
    from ..tasks import send_invitation_task  # the task module imports this one

    upload = EnrolmentUpload.objects.select_for_update().get(pk=upload.pk)
    cohort = Cohort.objects.select_related("course").get(pk=upload.cohort_id)
    if not can_manage_cohort(by, cohort):
        raise NotAllowed()
    if upload.applied_at is not None:
        raise UploadAlreadyApplied()
    emails = [row["email"] for row in upload.rows]
    accounts = _accounts_by_email(emails)
    current = _current_enrolments(cohort, accounts.values())
    summary = UploadSummary()
    for row in upload.rows:
        user = accounts.get(row["email"])
        if user is None:
            continue
        before = current.get(user.pk)
        if user == by:
            # A manager's own address: enrol() would treat it as self-enrolment (key, capacity,
            # open); someone who manages the cohort may enrol anyone, themselves included.
            enrol(user, cohort, by_system=True)
        else:
            enrol(user, cohort, enrolled_by=by)
        if before is None:
            summary.enrolled += 1
        elif before.cohort_id == cohort.pk:
            summary.already += 1
        else:
            summary.moved += 1
    to_send = _invite(cohort, [email for email in emails if email not in accounts], by, summary)
    upload.applied_at = timezone.now()
    upload.save(update_fields=["applied_at"])
    for invitation_id in to_send:
        send_invitation_task.delay_on_commit(invitation_id)
    return summary


def _invite(cohort: Cohort, emails: list[str], by: User, summary: UploadSummary) -> list[int]:
    """Invitations to the cohort for these addresses, created where missing (counted in the
    summary); returns the ids of those whose email is still to be sent."""
    before = set(
        Invitation.objects.filter(cohort=cohort, email__in=emails).values_list("email", flat=True)
    )
    Invitation.objects.bulk_create(
        [
            Invitation(cohort=cohort, email=email, invited_by=by)
            for email in emails
            if email not in before
        ],
        ignore_conflicts=True,  # invited at this very moment by another upload
    )
    summary.invited += len(set(emails) - before)
    summary.invited_before += len(before)
    # An invitation whose email was lost (a broker without persistence) goes again; the task
    # sends nothing for one already sent or accepted.
    pending = Invitation.objects.filter(
        cohort=cohort, email__in=emails, sent_at__isnull=True, accepted_at__isnull=True
    )
    return list(pending.order_by("pk").values_list("pk", flat=True))


def _accounts_by_email(emails: list[str]) -> dict[str, User]:
    users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    return {user.email_lower: user for user in users}


def _current_enrolments(cohort: Cohort, users) -> dict[int, Enrolment]:
    enrolments = Enrolment.objects.filter(
        course_id=cohort.course_id, user__in=[user.pk for user in users], status__in=CURRENT
    ).select_related("cohort")
    return {enrolment.user_id: enrolment for enrolment in enrolments}


# Invitations


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


# Reads for the facilitator pages


def list_managed_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts a user manages (every cohort for admins), with their course and numbers of
    active and completed enrolments, in one query."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    cohorts = Cohort.objects.all() if user.is_staff else Cohort.objects.filter(facilitators=user)
    return (
        cohorts.select_related("course")
        .annotate(
            active_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)),
            completed_count=Count(
                "enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED)
            ),
        )
        .order_by("course__title", "course_id", "-is_default", "starts_on", "name", "pk")
    )


def offers_facilitation(user: User) -> bool:
    """Whether to show a user the facilitator pages: admins, the Facilitators group and anyone
    who facilitates a cohort. At most one query."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    in_group = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name=FACILITATORS_GROUP
    )
    facilitates = Cohort.facilitators.through.objects.filter(user_id=OuterRef("pk"))
    return User.objects.filter(Q(Exists(in_group)) | Q(Exists(facilitates)), pk=user.pk).exists()


PENDING_AFTER = timedelta(minutes=10)


def resend_pending_invitations(*, older_than: timedelta = PENDING_AFTER) -> int:
    """Enqueue again every invitation whose email has not gone out after `older_than`, within
    a day (SWEEPS_GIVE_UP_AFTER: after that a person must look, e.g. at an address the mail
    server refuses).

    The database, not the broker, says what is pending: an embedded broker loses the message of
    a worker killed mid-task. Sending is safe to repeat (send_invitation), so a sweep that
    overlaps a slow worker sends nothing twice. Returns how many were enqueued.
    """
    from ..tasks import send_invitation_task  # the tasks module imports this one

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
