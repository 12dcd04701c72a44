"""A participant's personal data: all of it as one export, the deletion of their account, and
the pruning of old activity (the privacy notice, templates/privacy.html, says the same).

What deletion erases and what it keeps (the one place that decides):
- erased: email address (replaced by one that can never receive mail), name, organisation,
  language, password, allauth email addresses, sessions, API tokens, invitations to the
  address, lesson visits, the addresses of messages received, free-text quiz answers, roles
  (facilitator group, cohorts facilitated), certificates not issued yet, what LTI platforms
  said about them (their name, email and id there, where their scores go, scores not sent);
- kept, anonymised: the account row (marked deleted, unable to sign in) with its country and
  organisation type, enrolments, lesson completions, quiz attempts' choices and grades and the
  months of activity: what statistics count, so that reports are the same before and after;
- kept as issued: certificates issued or revoked, with the name printed on them, and their
  Open Badges credentials (which name the person by a salted hash of the email they had), so
  that whoever holds one can still verify it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from knox.models import AuthToken
from lti_tool.models import LtiUser

from certificates.models import Certificate, CertificateStatus
from certificates.services.issuing import verification_url
from courses.models import (
    ActivityMonth,
    DeliveryStatus,
    Enrolment,
    Invitation,
    LessonCompletion,
    LessonVisit,
    MessageDelivery,
)
from lti.models import GradeLink, Score
from quizzes.models import Attempt, Question, QuestionType

from ..exceptions import StaffAccountNotDeletable, WrongPassword
from ..models import User

EXPORT_FORMAT = "elearn-personal-data"
EXPORT_VERSION = 1


def _when(moment: datetime.datetime | datetime.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _number(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def export_personal_data(user: User) -> dict:
    """Everything the platform keeps about `user`, as one JSON-ready dict: profile,
    enrolments, progress, quiz attempts and answers, certificates and messages received, and
    what LTI platforms told us about them.

    The page's download and GET /api/v1/me/export/ both send it. A fixed number of queries
    (one per section), however much there is.
    """
    profile = {
        "email": user.email,
        "full_name": user.full_name,
        "country": user.country.code or "",
        "organisation": user.organisation,
        "organisation_type": user.organisation_type,
        "preferred_language": user.preferred_language,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
    enrolments = [
        {
            "course": e.course.title,
            "course_slug": e.course.slug,
            "cohort": e.cohort.name,
            "status": e.status,
            "enrolled_at": _when(e.enrolled_at),
            "completed_at": _when(e.completed_at),
            "withdrawn_at": _when(e.withdrawn_at),
            "last_activity_at": _when(e.last_activity_at),
            "last_lesson": e.last_lesson.title if e.last_lesson else None,
        }
        for e in Enrolment.objects.filter(user=user)
        .select_related("course", "cohort", "last_lesson")
        .order_by("enrolled_at", "pk")
    ]
    completions = [
        {
            "course": c.lesson.course.title,
            "lesson": c.lesson.title,
            "completed_at": _when(c.completed_at),
        }
        for c in LessonCompletion.objects.filter(user=user)
        .select_related("lesson__course")
        .order_by("completed_at", "pk")
    ]
    visits = [
        {
            "course": v.lesson.course.title,
            "lesson": v.lesson.title,
            "first_visited_at": _when(v.first_visited_at),
            "last_visited_at": _when(v.last_visited_at),
            "visits": v.visits,
        }
        for v in LessonVisit.objects.filter(user=user)
        .select_related("lesson__course")
        .order_by("first_visited_at", "pk")
    ]
    months = [
        {"course": m.course.title, "month": m.month.strftime("%Y-%m")}
        for m in ActivityMonth.objects.filter(user=user)
        .select_related("course")
        .order_by("month", "pk")
    ]
    attempts = [
        {
            "course": a.quiz.course.title,
            "quiz": a.quiz.title,
            "number": a.number,
            "status": a.status,
            "started_at": _when(a.started_at),
            "submitted_at": _when(a.submitted_at),
            "score_percent": _number(a.score),
            "points": _number(a.points),
            "max_points": a.max_points,
            "passed": a.passed,
            # By question id, as stored: choices by their ids, short answers as typed.
            "answers": a.answers,
            "results": a.results,
        }
        for a in Attempt.objects.filter(user=user)
        .select_related("quiz__course")
        .order_by("started_at", "pk")
    ]
    certificates = [
        {
            "code": c.code,
            "status": c.status,
            "participant_name": c.participant_name,
            "course": c.course_title,
            "cohort": c.cohort_name,
            "completed_on": _when(c.completed_on),
            "issued_at": _when(c.issued_at),
            "revoked_at": _when(c.revoked_at),
            "revoke_reason": c.revoke_reason,
            "verification_url": verification_url(c.code),
            "digital_credentials": [
                {
                    "id": credential.credential_id,
                    "issued_at": _when(credential.issued_at),
                    "superseded_at": _when(credential.superseded_at),
                    "vc_jwt": credential.jws,
                }
                for credential in sorted(c.credentials.all(), key=lambda x: (x.issued_at, x.pk))
            ],
        }
        for c in Certificate.objects.filter(enrolment__user=user)
        .prefetch_related("credentials")
        .order_by("created_at", "pk")
    ]
    messages = [
        {
            "course": d.message.cohort.course.title,
            "cohort": d.message.cohort.name,
            "subject": d.message.subject,
            "body": d.message.body,
            "sent_to": d.email,
            "status": d.status,
            "sent_at": _when(d.sent_at),
        }
        for d in MessageDelivery.objects.filter(enrolment__user=user)
        .select_related("message__cohort__course")
        .order_by("message__created_at", "pk")
    ]
    tokens = [
        {"created": _when(t.created), "expiry": _when(t.expiry)}
        for t in AuthToken.objects.filter(user=user).order_by("created")
    ]
    platforms = [_platform_identity(identity) for identity in _platform_identities(user)]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _when(timezone.now()),
        "profile": profile,
        "enrolments": enrolments,
        "lesson_completions": completions,
        "lesson_visits": visits,
        "activity_months": months,
        "quiz_attempts": attempts,
        "certificates": certificates,
        "messages_received": messages,
        "api_tokens": tokens,
        "learning_platforms": platforms,
    }


def _platform_identities(user: User):
    """What LTI platforms said about the person (lti/): who they are there, and the gradebook
    columns their scores go to, with the scores. Three queries when there are any, one if not."""
    links = GradeLink.objects.select_related("course", "quiz").prefetch_related(
        Prefetch("scores", queryset=Score.objects.order_by("created_at"))
    )
    return (
        LtiUser.objects.filter(auth_user=user)
        .select_related("registration")
        .prefetch_related(Prefetch("grade_links", queryset=links.order_by("created_at", "pk")))
        .order_by("datetime_created", "pk")
    )


def _platform_identity(identity: LtiUser) -> dict:
    return {
        "platform": identity.registration.name,
        "issuer": identity.registration.issuer,
        "subject": identity.sub,
        "name": identity.name,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "email": identity.email,
        "first_launch_at": _when(identity.datetime_created),
        "gradebook_columns": [
            {
                "course": link.course.title,
                "quiz": link.quiz.title if link.quiz else None,
                "line_item_url": link.lineitem_url,
                "scores": [
                    {
                        "score": _number(score.score_given),
                        "out_of": _number(score.score_maximum),
                        "at": _when(score.timestamp),
                        "sent_at": _when(score.sent_at),
                    }
                    for score in link.scores.all()
                ],
            }
            for link in identity.grade_links.all()
        ],
    }


def deleted_email(user: User) -> str:
    """The address a deleted account keeps: unique, and in the .invalid domain (RFC 2606), which
    can never receive mail nor be signed up with."""
    return f"deleted-{user.pk}@deleted.invalid"


@transaction.atomic
def delete_account(user: User, *, password: str) -> None:
    """Delete `user`'s account, once they have given their password again: their personal data
    erased, what statistics and issued certificates need kept (this module's docstring).

    Refused for staff (StaffAccountNotDeletable: another admin removes them) and with a wrong
    password (WrongPassword); nothing changes then. The account can never sign in again; its
    address can sign up again, as a new person.
    """
    if user.is_staff or user.is_superuser:
        raise StaffAccountNotDeletable()
    if not user.check_password(password):
        raise WrongPassword()
    address = user.email
    EmailAddress.objects.filter(user=user).delete()  # and their confirmations
    Invitation.objects.filter(email__iexact=address).delete()
    AuthToken.objects.filter(user=user).delete()
    LtiUser.objects.filter(auth_user=user).delete()  # and their grade links and scores
    _delete_sessions_of(user)
    LessonVisit.objects.filter(user=user).delete()
    deliveries = MessageDelivery.objects.filter(enrolment__user=user)
    deliveries.filter(status=DeliveryStatus.QUEUED).update(status=DeliveryStatus.SKIPPED)
    deliveries.update(email="", last_error="")
    _erase_free_text_answers(user)
    # Never issued, so nobody holds one; issuing leaves deleted accounts alone from now on.
    Certificate.objects.filter(enrolment__user=user, status=CertificateStatus.PENDING).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.facilitated_cohorts.clear()
    user.email = deleted_email(user)
    user.full_name = ""
    user.organisation = ""
    user.preferred_language = ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    user.deleted_at = timezone.now()
    user.save()


def _delete_sessions_of(user: User) -> None:
    # Sessions are not indexed by user: read the live ones. (They would fail anyway: a session
    # holds a hash of the password, which is gone, and the account is inactive.)
    key = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now())
    mine = [
        session.pk
        for session in live.iterator(chunk_size=2000)
        if session.get_decoded().get("_auth_user_id") == key
    ]
    Session.objects.filter(pk__in=mine).delete()


def _erase_free_text_answers(user: User) -> None:
    attempts = list(Attempt.objects.filter(user=user).only("pk", "quiz_id", "answers"))
    typed = {
        str(pk)
        for pk in Question.objects.filter(
            quiz_id__in={a.quiz_id for a in attempts}, type=QuestionType.SHORT_ANSWER
        ).values_list("pk", flat=True)
    }
    changed = []
    for attempt in attempts:
        if typed & set(attempt.answers):
            attempt.answers = {k: v for k, v in attempt.answers.items() if k not in typed}
            changed.append(attempt)
    Attempt.objects.bulk_update(changed, ["answers"], batch_size=500)


@dataclass(frozen=True)
class PrunedActivity:
    lesson_visits: int
    message_deliveries: int
    sessions: int


def activity_cutoff(now: datetime.datetime) -> datetime.datetime:
    """The moment before which activity is pruned: ACTIVITY_RETENTION_MONTHS before `now`."""
    return now - relativedelta(months=settings.ACTIVITY_RETENTION_MONTHS)


def prune_old_activity() -> PrunedActivity:
    """Delete raw activity older than ACTIVITY_RETENTION_MONTHS: lesson visits last made
    before then, deliveries of messages sent before then, and expired sessions. Progress
    (lesson completions, attempts, enrolments) and the monthly roll-up the statistics read
    stay, so statistics do not change. Safe to run twice."""
    now = timezone.now()
    cutoff = activity_cutoff(now)
    visits, _by_model = LessonVisit.objects.filter(last_visited_at__lt=cutoff).delete()
    deliveries, _by_model = MessageDelivery.objects.filter(message__created_at__lt=cutoff).delete()
    sessions, _by_model = Session.objects.filter(expire_date__lt=now).delete()
    return PrunedActivity(lesson_visits=visits, message_deliveries=deliveries, sessions=sessions)
