"""Who a platform's user is here, for launches and roster syncs alike.

A platform's user (lti_tool.LtiUser: registration and `sub`) is linked to one account once;
after that `sub` decides, never the email. The first time, an account is linked only if its
email address is verified (allauth's EmailAddress.verified): linking by an address nobody
proved would hand an account to whoever the platform lets type that address. An admin's
account (staff) is never linked: whoever controls a profile on a platform would hold the whole
site. With no account of that address, one is created from the name and email the platform
sends (no password: its owner signs in through the platform, or sets one with "forgot
password"; country and organisation stay empty until they fill in their profile, as for anyone
who signs up).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from lti_tool.lti_core.constants import ContextRole, InstitutionRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiUser

from accounts.models import User
from accounts.names import normalise_full_name, validate_full_name

from ..exceptions import AdminNotLinked, EmailMissing, EmailNotVerified

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# Context roles that make someone a facilitator of the cohort (their sub-roles too, e.g.
# Instructor#TeachingAssistant); institution roles count only when no context role is given.
TEACHING_CONTEXT_ROLES = {
    ContextRole.INSTRUCTOR.value,
    ContextRole.ADMINISTRATOR.value,
    ContextRole.CONTENT_DEVELOPER.value,
}
TEACHING_INSTITUTION_ROLES = {
    InstitutionRole.ADMINISTRATOR.value,
    InstitutionRole.FACULTY.value,
    InstitutionRole.INSTRUCTOR.value,
}


def is_instructor(roles: list | None) -> bool:
    """Whether LTI roles (a launch's roles claim, an NRPS member's roles) make someone a
    facilitator: a teaching role in the context, or, without any context role, at the
    institution."""
    roles = [normalize_role(role) for role in roles or [] if isinstance(role, str)]
    context_roles = [role for role in roles if role.startswith(MEMBERSHIP)]
    if context_roles:
        return any(
            role in TEACHING_CONTEXT_ROLES or role.split("#")[0] in _TEACHING_SUB_ROLE_PARENTS
            for role in context_roles
        )
    return any(role in TEACHING_INSTITUTION_ROLES for role in roles)


# Sub-roles are written membership/<Role>#<SubRole>.
_TEACHING_SUB_ROLE_PARENTS = {
    f"{MEMBERSHIP}/{name}" for name in ("Instructor", "Administrator", "ContentDeveloper")
}


def account_for(lti_user: LtiUser, *, email: str | None, name: str | None) -> tuple[User, bool]:
    """The account the platform's user signs in as, linked or created now if needed (see the
    module's docstring); returns it and whether it was created. EmailMissing without a usable
    address; EmailNotVerified when an account has the address but never verified it;
    AdminNotLinked when it is an admin's."""
    linked = lti_user.auth_user
    if linked is not None and linked.deleted_at is None:
        if _is_admin(linked):  # made an admin since it was linked
            raise AdminNotLinked()
        return linked, False
    address = email.strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(address)
    except ValidationError:
        raise EmailMissing() from None
    verified = (
        EmailAddress.objects.filter(email__iexact=address, verified=True)
        .select_related("user")
        .first()
    )
    created = False
    if verified is not None and verified.user.deleted_at is None:
        if _is_admin(verified.user):
            raise AdminNotLinked()
        user = verified.user
    elif User.objects.filter(email__iexact=address).exists():
        raise EmailNotVerified()
    else:
        user = _create_account(address, name)
        created = True
    lti_user.auth_user = user
    lti_user.save(update_fields=["auth_user", "datetime_modified"])
    return user, created


def _is_admin(user: User) -> bool:
    return user.is_staff or user.is_superuser


def _create_account(address: str, name: str | None) -> User:
    with transaction.atomic():
        user = User.objects.create_user(address, password=None, full_name=_full_name(name))
        # The platform said so; we did not check it: the address stays unverified here.
        EmailAddress.objects.create(user=user, email=address, primary=True, verified=False)
    return user


def _full_name(name: str | None) -> str:
    """The platform's name for the person if it is one a certificate can print, else empty
    (they write it on their profile)."""
    cleaned = normalise_full_name(name if isinstance(name, str) else "")[:200]
    try:
        validate_full_name(cleaned)
    except ValidationError:
        return ""
    return cleaned
