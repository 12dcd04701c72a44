"""Demo data for a new installation: a facilitated cohort three weeks into its twelve, with 52
participants from 21 countries at every stage, so that the facilitator's and the admin's pages
show what they are for on the first start (setup_demo). Who they are: `people`; what they did,
through the services of real use: `story`.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.names import normalise_full_name
from accounts.services import make_facilitator

from ..models import Cohort, Course, ModuleDueDate
from .people import FACILITATOR, OTHERS, PARTICIPANTS
from .story import tell

DEMO_COHORT = "Regional e-learning 2026: West and Central Africa"
ENROLMENT_KEY = "LEARNLAB-2026"
DAYS_IN = 21  # the cohort started three weeks before the first start: today is its day 21


def demo_cohort_exists(course: Course) -> bool:
    """Whether the course has the demo cohort (created once; setup_demo runs on every start)."""
    return Cohort.objects.filter(course=course, name=DEMO_COHORT).exists()


def verified_user(email: str, password_hash: str, **fields) -> tuple[User, bool]:
    """The user with that address (created with the hashed password if new, which is
    returned as True), their address verified."""
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        fields["full_name"] = normalise_full_name(fields.get("full_name", ""))
        user = User(email=User.objects.normalize_email(email), password=password_hash, **fields)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def create_demo_cohort(course: Course, *, password_hash: str, now: datetime) -> Cohort | None:
    """The demo cohort, its facilitator and its participants' three weeks, once (None when it
    exists already). The new accounts get the hashed password (hashing is slow by design: one
    for all). Emails (certificates, the nudge) are sent through their real senders into
    memory: the addresses are example.org, and a first start should not print thirty."""
    if demo_cohort_exists(course):
        return None
    email, name, country, kind = FACILITATOR
    facilitator, _created = verified_user(
        email, password_hash, full_name=name, country=country, organisation_type=kind,
        organisation="Demo national human rights institution", preferred_language="",
    )  # fmt: skip
    make_facilitator(facilitator)
    time_zone = zoneinfo.ZoneInfo("Africa/Dakar")
    starts = timezone.localdate(now, timezone=time_zone) - timedelta(days=DAYS_IN)
    cohort = Cohort.objects.create(
        course=course,
        name=DEMO_COHORT,
        starts_on=starts,
        ends_on=starts + timedelta(weeks=12),  # two weeks a module, six modules
        capacity=80,
        enrolment_key=ENROLMENT_KEY,
        time_zone=time_zone.key,
    )
    cohort.facilitators.add(facilitator)
    for week, module in enumerate(course.modules.order_by("order", "id"), start=1):
        ModuleDueDate.objects.create(
            cohort=cohort, module=module, due_on=starts + timedelta(weeks=2 * week)
        )
    participants = []
    for person in PARTICIPANTS + OTHERS:
        user, created = verified_user(
            person.email,
            password_hash,
            full_name=person.name,
            country=person.country,
            organisation_type=person.kind,
            preferred_language=person.language,
        )
        participants.append((person, user, created))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        tell(cohort, facilitator=facilitator, participants=participants, now=now)
    return cohort
