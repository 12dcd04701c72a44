"""Sending the outbox to the learning record store.

The database says what is owed: statements not sent and not rejected. Each batch is taken
locked (SKIP LOCKED: two workers send different batches), POSTed as one request, and marked
sent in the same transaction. A store that is down or answers 5xx or 429 leaves the batch
pending, to be tried again after a backoff; a statement the store refuses as invalid (another
4xx) is marked rejected, found by sending a refused batch's statements one by one. A batch the
store stored but whose answer was lost is sent again: the store keeps one statement per id.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from elearn.outbox import SendOutcome, mark_rejected, mark_sent, take_due, wait_after_failure

from .models import Statement

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
BATCH_SIZE = 100
TIMEOUT_SECONDS = 15
# Sent statements are kept this long (to see in the admin what went), then deleted.
KEEP_SENT = timedelta(days=30)


class StoreUnavailable(Exception):
    """The store could not take the batch now (down, 5xx, rate limited): try again later."""


class StoreRefused(Exception):
    """The store refused the batch as invalid (a 4xx other than 408 and 429)."""


def send_pending_statements(*, now: datetime | None = None, limit: int = 10_000) -> SendOutcome:
    """Send the statements due (pending, their next try reached), oldest first, in batches of
    BATCH_SIZE, until none is due, one batch fails, or `limit` were taken. Returns what was
    done. Nothing when no store is configured."""
    outcome = SendOutcome()
    if not settings.XAPI_LRS_URL:
        return outcome
    now = now or timezone.now()
    taken = 0
    while taken < limit:
        with transaction.atomic():
            batch = list(take_due(Statement, now=now)[: min(BATCH_SIZE, limit - taken)])
            if not batch:
                break
            taken += len(batch)
            if not _send_batch(batch, now, outcome):
                break
    return outcome


def _send_batch(batch: list[Statement], now: datetime, outcome: SendOutcome) -> bool:
    """Send one locked batch and record the result; False if the store is unavailable."""
    try:
        _post([s.payload for s in batch])
    except StoreUnavailable as error:
        wait_after_failure(batch, now=now, error=error)
        logger.warning("xAPI store unavailable, %d statements wait: %s", len(batch), error)
        outcome.failed += len(batch)
        return False
    except StoreRefused as error:
        if len(batch) == 1:
            mark_rejected(batch[0], error)
            logger.warning("xAPI statement %s refused by the store: %s", batch[0].pk, error)
            outcome.rejected += 1
            return True
        # Which one? Each alone: the valid ones are stored, the invalid marked.
        return all(_send_batch([statement], now, outcome) for statement in batch)
    mark_sent(batch)
    outcome.sent += len(batch)
    return True


def _post(statements: list[dict]) -> None:
    """POST the statements to the store's statements resource (one request)."""
    url = settings.XAPI_LRS_URL.rstrip("/") + "/statements"
    request = urllib.request.Request(  # noqa: S310 - an http(s) address (settings checks it)
        url,
        data=json.dumps(statements).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
            **_authorization(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        body = error.read()[:500].decode(errors="replace")
        if error.code in (408, 429) or error.code >= 500:
            raise StoreUnavailable(f"{error.code} {body}") from None
        raise StoreRefused(f"{error.code} {body}") from None
    except (urllib.error.URLError, OSError) as error:
        raise StoreUnavailable(str(error)) from None


def _authorization() -> dict[str, str]:
    if not settings.XAPI_LRS_USERNAME:
        return {}
    pair = f"{settings.XAPI_LRS_USERNAME}:{settings.XAPI_LRS_PASSWORD}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def purge_sent_statements(*, now: datetime | None = None) -> int:
    """Delete the statements sent more than KEEP_SENT ago (the store has them); returns how
    many. Those waiting or refused stay, for someone to look at."""
    now = now or timezone.now()
    deleted, _ = Statement.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return deleted
