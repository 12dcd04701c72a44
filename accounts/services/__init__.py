"""Everything that changes accounts: profiles, roles and API tokens here; privacy (a
participant's data export, account deletion, the pruning of old activity) in `privacy`."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from ..models import FACILITATORS_GROUP, User
from ..names import normalise_full_name

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


# API tokens (django-rest-knox's AuthToken: a SHA-512 digest, the first characters of the token
# to find it by, and an expiry from REST_KNOX's TOKEN_TTL, i.e. API_TOKEN_TTL_HOURS).

# Live tokens a user may hold: one per client or script is plenty, and each request signed with a
# token reads all of its owner's tokens (knox sweeps the expired ones then).
API_TOKENS_PER_USER = 10


@dataclass(frozen=True)
class IssuedToken:
    key: str  # for the client, shown this once: the database keeps only its digest
    expiry: datetime


@transaction.atomic
def issue_api_token(user: User) -> IssuedToken:
    """A new API token for `user`, expiring API_TOKEN_TTL_HOURS from now; other tokens stay.

    The user's expired tokens are deleted, and past API_TOKENS_PER_USER live ones, the oldest.
    """
    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lte=timezone.now()).delete()
    newest = tokens.order_by("-created", "-pk").values_list("pk", flat=True)
    tokens.exclude(pk__in=list(newest[: API_TOKENS_PER_USER - 1])).delete()
    instance, key = AuthToken.objects.create(user=user)
    return IssuedToken(key=key, expiry=instance.expiry)


def revoke_api_token(token: AuthToken) -> None:
    """Sign one client out: the token it sent stops working at once."""
    token.delete()


def revoke_api_tokens(user: User) -> int:
    """Sign every API client of `user` out (their sessions on the site stay). Returns how many
    tokens were revoked."""
    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    return deleted


def purge_expired_api_tokens() -> int:
    """Delete every expired API token: refused already, but knox deletes one only when its
    owner next uses or asks for a token. Returns how many."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lte=timezone.now()).delete()
    return deleted
