"""Bringing a platform's roster into the cohort (LTI Names and Role Provisioning Services 2.0).

On demand (the cohort's LTI page, or the admin): the context's members are read from the
membership URL the launches gave, with pylti1p3's client and an access token from the
platform; django-lti records them; each active member gets their account by the launch's rules
(services/identity.py: linked by `sub`, else by a verified email, else created), instructors
become the cohort's facilitators and the others are enrolled. Members the platform no longer
lists are left as they are (their progress stays), and counted, so a facilitator can withdraw
them if they mean to. Members without a usable email, or whose address an unverified account
holds, are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from django.db import transaction
from lti_tool.models import LtiUser
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService

from accounts.services import make_facilitator
from courses.models import Enrolment, EnrolmentStatus
from courses.services.enrolment import enrol

from ..exceptions import LaunchRefused, NoRoster, RosterUnavailable
from ..models import CohortLink
from .identity import account_for, is_instructor
from .sending import connector_for


@dataclass
class RosterOutcome:
    enrolled: int = 0  # learners enrolled now (those already enrolled are not counted)
    facilitators: int = 0  # instructors named facilitators now
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # members left out, and why
    not_on_platform: int = 0  # enrolled through the platform, no longer on its roster


def sync_roster(link: CohortLink) -> RosterOutcome:
    """Read the context's roster from the platform and bring it into the link's cohort (see
    the module's docstring). NoRoster when no launch offered the service; RosterUnavailable
    when the platform does not answer as it should (nothing changed)."""
    context = link.context
    if not context.memberships_url:
        raise NoRoster()
    registration = context.deployment.registration
    service = NamesRolesProvisioningService(
        connector_for(registration), {"context_memberships_url": context.memberships_url}
    )
    try:
        members = [m for m in service.get_members() if isinstance(m, dict) and m.get("user_id")]
    except (LtiException, requests.RequestException, ValueError) as error:
        raise RosterUnavailable() from error

    outcome = RosterOutcome()
    cohort = link.cohort
    with transaction.atomic():
        context.update_memberships(
            [
                {**m, "roles": m.get("roles") or [], "status": m.get("status", "Active")}
                for m in members
            ]
        )
        for member in members:
            if member.get("status", "Active") != "Active":
                continue
            lti_user = LtiUser.objects.select_related("auth_user").get(
                registration=registration, sub=member["user_id"]
            )
            try:
                with transaction.atomic():
                    user, _created = account_for(
                        lti_user, email=member.get("email"), name=member.get("name")
                    )
                    _place(user, cohort, is_instructor(member.get("roles")), outcome)
            except LaunchRefused as refusal:
                outcome.skipped.append(
                    f"{member.get('name') or member['user_id']}: {refusal.message}"
                )
        on_roster = {str(m["user_id"]) for m in members if m.get("status", "Active") == "Active"}
        outcome.not_on_platform = (
            Enrolment.objects.filter(
                cohort=cohort, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED]
            )
            .filter(user__lti_users__registration=registration)
            .exclude(user__lti_users__sub__in=on_roster)
            .distinct()
            .count()
        )
    return outcome


def _place(user, cohort, instructor: bool, outcome: RosterOutcome) -> None:
    if instructor:
        make_facilitator(user)
        if cohort.facilitators.filter(pk=user.pk).exists():
            outcome.unchanged += 1
        else:
            cohort.facilitators.add(user)
            outcome.facilitators += 1
        return
    before = Enrolment.objects.filter(
        user=user, cohort=cohort, status=EnrolmentStatus.ACTIVE
    ).exists()
    enrol(user, cohort, by_system=True)
    if before:
        outcome.unchanged += 1
    else:
        outcome.enrolled += 1
