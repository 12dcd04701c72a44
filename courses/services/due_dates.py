"""Due dates for one participant: a facilitator extends a module's due date."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User

from ..exceptions import InvalidExtension, NotAllowed
from ..models import DueDateExtension, Enrolment, Module, ModuleDueDate
from ..selectors.access import CURRENT, can_manage_cohort


@transaction.atomic
def extend_due_date(
    enrolment: Enrolment, module: Module, *, due_on: date, by: User
) -> DueDateExtension:
    """Give one participant a later due date for a module (replacing an earlier extension).

    Only who manages the cohort (NotAllowed), for a current enrolment and a module of its
    course, to a date not before today where the cohort runs, nor before the cohort's own date
    for the module (InvalidExtension). The participant sees it on My learning; it also decides
    whether they are behind (courses.dashboard).
    """
    cohort = enrolment.cohort
    if not can_manage_cohort(by, cohort):
        raise NotAllowed()
    if enrolment.status not in CURRENT:
        raise InvalidExtension(_("This participant has left the cohort."))
    if module.course_id != enrolment.course_id:
        raise InvalidExtension(_("This module is not part of the cohort's course."))
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(cohort.time_zone))
    if due_on < today:
        raise InvalidExtension(_("Choose a date from today onwards."))
    cohort_date = (
        ModuleDueDate.objects.filter(cohort=cohort, module=module)
        .values_list("due_on", flat=True)
        .first()
    )
    if cohort_date is not None and due_on <= cohort_date:
        raise InvalidExtension(
            _("Choose a date after the cohort's due date (%(date)s).")
            % {"date": date_format(cohort_date, "DATE_FORMAT")}
        )
    extension, _created = DueDateExtension.objects.update_or_create(
        enrolment=enrolment, module=module, defaults={"due_on": due_on, "granted_by": by}
    )
    return extension


@transaction.atomic
def remove_due_date_extension(enrolment: Enrolment, module: Module, *, by: User) -> bool:
    """Give the participant the cohort's due date back; True if there was an extension."""
    if not can_manage_cohort(by, enrolment.cohort):
        raise NotAllowed()
    deleted, _counts = DueDateExtension.objects.filter(enrolment=enrolment, module=module).delete()
    return bool(deleted)
