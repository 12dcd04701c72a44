"""A participant's activity in a course, newest first, for the cohort dashboard's detail page:
enrolment, lessons opened and completed, quiz attempts, due date extensions, messages from
facilitators, completion and the certificate. A fixed number of queries; titles come from the
cached outline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from certificates.models import Certificate
from quizzes.models import Attempt, AttemptStatus

from .models import (
    DeliveryStatus,
    DueDateExtension,
    Enrolment,
    LessonCompletion,
    LessonVisit,
    MessageDelivery,
)
from .outline import get_outline


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    text: str
    detail: str = ""


def get_participant_timeline(enrolment: Enrolment) -> list[Event]:
    """What the enrolment's participant did in its course, newest first (seven queries)."""
    outline = get_outline(enrolment.course)
    titles = {(item.kind, item.id): item.title for m in outline.modules for item in m.items}
    modules = {m.id: m.title for m in outline.modules}
    user_id, course_id = enrolment.user_id, enrolment.course_id
    events = [Event(enrolment.enrolled_at, "enrolled", _("Enrolled in the cohort"))]
    if enrolment.completed_at:
        events.append(Event(enrolment.completed_at, "course_completed", _("Completed the course")))
    for lesson_id, first, last, visits in LessonVisit.objects.filter(
        user_id=user_id, lesson__course_id=course_id
    ).values_list("lesson_id", "first_visited_at", "last_visited_at", "visits"):
        title = titles.get(("lesson", lesson_id), "")
        detail = (
            _("%(count)d visits, the last on %(date)s") % {"count": visits, "date": _short(last)}
            if visits > 1
            else ""
        )
        events.append(Event(first, "visited", _("Opened “%(title)s”") % {"title": title}, detail))
    for lesson_id, at in LessonCompletion.objects.filter(
        user_id=user_id, lesson__course_id=course_id
    ).values_list("lesson_id", "completed_at"):
        title = titles.get(("lesson", lesson_id), "")
        events.append(Event(at, "lesson_completed", _("Completed “%(title)s”") % {"title": title}))
    for attempt in Attempt.objects.filter(user_id=user_id, quiz__course_id=course_id).values(
        "quiz_id", "number", "status", "started_at", "submitted_at", "score", "passed"
    ):
        names = {
            "title": titles.get(("quiz", attempt["quiz_id"]), ""),
            "number": attempt["number"],
        }
        events.append(
            Event(
                attempt["started_at"],
                "attempt_started",
                _("Started attempt %(number)d at “%(title)s”") % names,
            )
        )
        if attempt["status"] == AttemptStatus.SUBMITTED and attempt["submitted_at"]:
            outcome = _("passed") if attempt["passed"] else _("not passed")
            events.append(
                Event(
                    attempt["submitted_at"],
                    "attempt_submitted",
                    _("Submitted attempt %(number)d at “%(title)s”") % names,
                    _("Score %(score)s%%, %(outcome)s")
                    % {"score": _number(attempt["score"]), "outcome": outcome},
                )
            )
    for module_id, due_on, granted_at in DueDateExtension.objects.filter(
        enrolment=enrolment
    ).values_list("module_id", "due_on", "granted_at"):
        events.append(
            Event(
                granted_at,
                "extension",
                _("Due date of “%(module)s” extended to %(date)s")
                % {
                    "module": modules.get(module_id, ""),
                    "date": date_format(due_on, "DATE_FORMAT"),
                },
            )
        )
    for delivery in MessageDelivery.objects.filter(enrolment=enrolment).values(
        "status", "sent_at", "message__created_at", "message__subject",
        "message__sent_by__full_name", "message__sent_by__email",
    ):  # fmt: skip
        sender = delivery["message__sent_by__full_name"] or delivery["message__sent_by__email"]
        names = {"sender": sender, "subject": delivery["message__subject"]}
        events.append(
            Event(
                delivery["sent_at"] or delivery["message__created_at"],
                "message",
                _("Message from %(sender)s: %(subject)s") % names
                if sender
                else _("Message: %(subject)s") % names,
                DeliveryStatus(delivery["status"]).label,
            )
        )
    certificate = (
        Certificate.objects.filter(enrolment=enrolment)
        .values("code", "issued_at", "emailed_at", "revoked_at", "revoke_reason")
        .first()
    )
    if certificate:
        if certificate["issued_at"]:
            events.append(
                Event(
                    certificate["issued_at"],
                    "certificate_issued",
                    _("Certificate issued"),
                    certificate["code"],
                )
            )
        if certificate["emailed_at"]:
            events.append(
                Event(certificate["emailed_at"], "certificate_emailed", _("Certificate emailed"))
            )
        if certificate["revoked_at"]:
            events.append(
                Event(
                    certificate["revoked_at"],
                    "certificate_revoked",
                    _("Certificate revoked"),
                    certificate["revoke_reason"],
                )
            )
    return sorted(events, key=lambda event: event.at, reverse=True)


def _short(moment: datetime) -> str:
    return date_format(moment, "DATE_FORMAT")


def _number(score) -> str:
    return "" if score is None else f"{score:.0f}"
