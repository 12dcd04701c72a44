"""Sending the scores outbox to the platforms (AGS 2.0), with pylti1p3's client.

The database says what is owed: scores not sent and not rejected. Each is taken locked (SKIP
LOCKED: two workers send different ones), POSTed to its line item's scores endpoint with an
access token the platform's token URL gives for a JWT signed with the tool's key
(client_credentials), and marked sent in the same transaction. A platform that is down, slow,
rate limiting or refusing our token leaves the score pending, tried again after a backoff; one
it refuses as invalid (400, 404, 409, 422) is marked rejected. Sending a score twice is
harmless: the platform keeps the one with the latest timestamp.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from django.db import transaction
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from elearn.outbox import SendOutcome, mark_rejected, mark_sent, take_due, wait_after_failure

from ..models import Score, UsedNonce
from ..tool import TimeoutSession, ensure_tool_key

logger = logging.getLogger(__name__)

REFUSED_STATUSES = {400, 404, 409, 422}
# A nonce is only good with its launch data, kept a day in the cache (pylti1p3).
KEEP_NONCES = timedelta(days=2)


def connector_for(registration) -> ServiceConnector:
    """pylti1p3's service client for a registration (lti_tool.LtiRegistration): it asks the
    platform's token URL for access tokens, signed with the tool's key."""
    ensure_tool_key()
    return ServiceConnector(registration.to_registration(), TimeoutSession())


def send_pending_scores(*, now: datetime | None = None, limit: int = 1000) -> SendOutcome:
    """Send the scores due (pending, their next try reached), oldest first, one request each,
    until none is due or `limit` were taken. Returns what was done."""
    outcome = SendOutcome()
    now = now or timezone.now()
    connectors: dict[int, ServiceConnector] = {}  # one access token per platform per run
    for _ in range(limit):
        with transaction.atomic():
            score = (
                take_due(Score, now=now)
                .select_related("grade_link__lti_user__registration")
                .first()
            )
            if score is None:
                break
            if not _send(score, now, outcome, connectors):
                break  # the platform is unavailable: the sweep tries again later
    return outcome


def _send(score: Score, now: datetime, outcome: SendOutcome, connectors: dict) -> bool:
    """Send one locked score and record the result; False if the platform is unavailable."""
    link = score.grade_link
    registration = link.lti_user.registration
    if registration.pk not in connectors:
        connectors[registration.pk] = connector_for(registration)
    grade = (
        Grade()
        .set_score_given(float(score.score_given))
        .set_score_maximum(float(score.score_maximum))
        .set_activity_progress(score.activity_progress)
        .set_grading_progress(score.grading_progress)
        .set_timestamp(score.timestamp.isoformat())
        .set_user_id(link.lti_user.sub)
    )
    service = AssignmentsGradesService(
        connectors[registration.pk], {"scope": link.scopes, "lineitem": link.lineitem_url}
    )
    try:
        service.put_grade(grade)
    except LtiServiceException as error:
        if error.response.status_code in REFUSED_STATUSES:
            _rejected(score, error, outcome)
            return True
        _failed(score, now, error, outcome)
        return False
    except requests.RequestException as error:
        _failed(score, now, error, outcome)
        return False
    except LtiException as error:  # e.g. the launch gave no score scope: it never will
        _rejected(score, error, outcome)
        return True
    mark_sent([score])
    outcome.sent += 1
    return True


def _rejected(score: Score, error: Exception, outcome: SendOutcome) -> None:
    mark_rejected(score, error)
    logger.warning("LTI score %s refused by the platform: %s", score.pk, error)
    outcome.rejected += 1


def _failed(score: Score, now: datetime, error: Exception, outcome: SendOutcome) -> None:
    wait_after_failure([score], now=now, error=error)
    logger.warning("LTI platform unavailable, score %s waits: %s", score.pk, error)
    outcome.failed += 1


def purge_used_nonces(*, now: datetime | None = None) -> int:
    """Delete the nonces of launches older than KEEP_NONCES (their launch data is gone, so
    the launch would be refused anyway); returns how many."""
    now = now or timezone.now()
    deleted, _ = UsedNonce.objects.filter(used_at__lt=now - KEEP_NONCES).delete()
    return deleted
