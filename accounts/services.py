"""Everything that changes accounts."""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import FACILITATORS_GROUP, User

PROFILE_FIELDS = ("full_name", "country", "organisation", "organisation_type", "preferred_language")


@transaction.atomic
def update_profile(user: User, **changes) -> User:
    """Change a user's profile fields (only those in PROFILE_FIELDS; whitespace is trimmed)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        if isinstance(value, str):
            value = " ".join(value.split()) if field == "full_name" else value.strip()
        setattr(user, field, value)
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=list(changes))
    return user


def make_facilitator(user: User) -> None:
    """Put a user in the facilitators group (idempotent)."""
    group, _ = Group.objects.get_or_create(name=FACILITATORS_GROUP)
    user.groups.add(group)
