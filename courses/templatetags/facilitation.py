"""{% if request|offers_facilitation %}: whether the main menu links to the facilitator pages.

The answer is kept in the session for a few minutes (worked out at sign-in, then again when it
is stale), so that ordinary pages make no query for a link most people never see.
"""

import time

from django import template

from courses.selectors import offers_facilitation as _offers_facilitation

register = template.Library()

SESSION_KEY = "offers_facilitation"
FRESH_FOR_SECONDS = 300


def remember_facilitation(request, user) -> bool:
    """Work out (one query) whether to offer the facilitator pages, and keep it in the session."""
    offered = _offers_facilitation(user)
    request.session[SESSION_KEY] = [offered, time.time() + FRESH_FOR_SECONDS]
    return offered


@register.filter
def offers_facilitation(request) -> bool:
    """No query for visitors and admins, nor while the session's answer is fresh."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:  # also pages rendered without a request
        return False
    if user.is_staff:
        return True
    remembered = request.session.get(SESSION_KEY)
    if remembered and remembered[1] > time.time():
        return remembered[0]
    return remember_facilitation(request, user)
