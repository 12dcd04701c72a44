"""Everything that changes accounts."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import FACILITATORS_GROUP, User
from .names import normalise_full_name

PROFILE_FIELDS = ("full_name", "country", "organisation", "organisation_type", "preferred_language")


@transaction.atomic
def update_profile(user: User, **changes) -> User:
    """Change a user's profile fields (only those in PROFILE_FIELDS; whitespace is trimmed).

    The full name is normalised as certificates print it (accounts.names) and cannot be
    changed to an empty one, nor to one with no letter: certificates are issued in it.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        if isinstance(value, str):
            value = normalise_full_name(value) if field == "full_name" else value.strip()
        setattr(user, field, value)
    if "full_name" in changes and not user.full_name:
        raise ValidationError({"full_name": _("Please enter your full name.")})
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=list(changes))
    return user


def make_facilitator(user: User) -> None:
    """Put a user in the facilitators group (idempotent)."""
    group, _created = Group.objects.get_or_create(name=FACILITATORS_GROUP)
    user.groups.add(group)
