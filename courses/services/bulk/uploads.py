"""Enrolment uploads: a checked list of addresses stored with what applying it would do to each
row (the preview), then applied all or nothing, inviting the addresses that have no account."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User

from ...exceptions import NotAllowed, UploadAlreadyApplied
from ...models import Cohort, Enrolment, EnrolmentStatus, EnrolmentUpload, Invitation
from ...selectors.access import CURRENT, can_manage_cohort
from ..enrolment import enrol
from .reading import parse_enrolment_csv

# What applying an upload does to each row, in the order the preview shows them.
ENROL, MOVE, INVITE, ALREADY = "enrol", "move", "invite", "already"
ACTIONS = (ENROL, MOVE, INVITE, ALREADY)


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
    from ...tasks import send_invitation_task  # the task module imports this one

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
