"""What the platform's emails share: links to the site, and how long sweeps try to send."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sites.models import Site

# An email not sent by then (its task lost, or failing at every retry) is left to a person:
# the sweeps stop enqueueing it, instead of trying every few minutes forever (a mail server
# refusing an address fails the same way each time).
SWEEPS_GIVE_UP_AFTER = timedelta(days=1)


def absolute_url(path: str) -> str:
    """`path` on the current site, as a link in an email (https, http under DEBUG)."""
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"
