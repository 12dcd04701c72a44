"""What the platform tells a learning record store, as xAPI 1.0.3 statements.

Each `record_*` function is called by the service of the event, inside its transaction: it
writes the statements to the outbox (Statement) and asks for them to be sent once the
transaction commits. Nothing is written when no store is configured (XAPI_LRS_URL).

Who: an account on the site's home page named by the participant's id (their email only with
XAPI_ACTOR_EMAIL). What: activities identified by the site's canonical URLs (course, lesson and
quiz pages; a module as its course page's #module-<slug>; a question as its quiz page's
#question-<id>; a certificate as its verification page). Context: the enrolment's
`registration`, the course as grouping and the cohort's page as its group of learners.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from elearn.emails import absolute_url

from .models import Statement

VERBS = {
    "registered": "http://adlnet.gov/expapi/verbs/registered",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "group": "http://activitystrea.ms/schema/1.0/group",
    "certificate": "http://id.tincanapi.com/activitytype/certificate",
}
# Our question types as xAPI interaction types.
INTERACTION_TYPES = {
    "single_choice": "choice",
    "multiple_response": "choice",
    "true_false": "true-false",
    "short_answer": "fill-in",
    "numeric": "numeric",
    "matching": "matching",
}


def is_enabled() -> bool:
    """Whether statements are recorded: a learning record store is configured."""
    return bool(settings.XAPI_LRS_URL)


def record_registration(enrolment) -> None:
    """The participant registered for the course (a new enrolment, or a withdrawn one again)."""
    if is_enabled():
        _record([_statement("registered", enrolment, _course(enrolment.course))])


def record_lesson_opened(enrolment, lesson) -> None:
    """The participant opened a lesson (another one than the last they opened)."""
    if is_enabled():
        _record([_statement("experienced", enrolment, _lesson(lesson), parent=lesson.module)])


def record_lesson_completed(enrolment, lesson) -> None:
    """The participant completed a lesson, and with it perhaps its module (the course's
    completion is record_course_completed's)."""
    if not is_enabled():
        return
    statements = [_statement("completed", enrolment, _lesson(lesson), parent=lesson.module)]
    statements += _module_completion(enrolment, lesson.module)
    _record(statements)


def record_course_completed(enrolment) -> None:
    """The participant completed the course (by Enrolment.complete's caller, once)."""
    if is_enabled():
        statement = _statement("completed", enrolment, _course(enrolment.course))
        statement["result"] = {"completion": True}
        _record([statement])


def record_attempt_started(enrolment, attempt) -> None:
    """The participant started an attempt at a quiz."""
    if is_enabled():
        quiz = attempt.quiz
        statement = _statement("attempted", enrolment, _quiz(quiz), parent=quiz.module)
        statement["context"]["extensions"] = {_extension("attempt"): attempt.number}
        _record([statement], at=attempt.started_at)


def record_attempt_graded(attempt, questions) -> None:
    """An attempt was graded: each question answered (with its result), the quiz passed or
    failed (with the score), and, on the participant's first pass, perhaps the module
    completed. `questions`: the attempt's questions by id (quizzes.grading.QuestionData)."""
    if not is_enabled():
        return
    from courses.selectors.access import get_current_enrolment  # courses imports this module

    quiz = attempt.quiz
    enrolment = get_current_enrolment(attempt.user, quiz.course)
    if enrolment is None:
        return
    at = attempt.submitted_at
    quiz_activity = _quiz(quiz)
    statements = []
    for key, result in (attempt.results or {}).items():
        question = questions.get(int(key))
        if question is None:
            continue
        statement = _statement(
            "answered", enrolment, _question(quiz, question), parent=quiz_activity, at=at
        )
        statement["result"] = {"success": bool(result.get("correct"))}
        score = _score(Decimal(str(result.get("points", 0))), Decimal(result.get("max_points", 0)))
        if score:
            statement["result"]["score"] = score
        statements.append(statement)
    verb = "passed" if attempt.passed else "failed"
    graded = _statement(verb, enrolment, quiz_activity, parent=quiz.module, at=at)
    graded["result"] = {"success": bool(attempt.passed), "completion": True}
    score = _score(attempt.points or Decimal(0), Decimal(attempt.max_points or 0))
    if score:
        graded["result"]["score"] = score
    graded["context"]["extensions"] = {_extension("attempt"): attempt.number}
    statements.append(graded)
    first_pass = (
        attempt.passed
        and not type(attempt)
        .objects.filter(user_id=attempt.user_id, quiz_id=quiz.pk, passed=True)
        .exclude(pk=attempt.pk)
        .exists()
    )
    if first_pass:
        statements += _module_completion(enrolment, quiz.module, at=at)
    _record(statements)


def record_certificates_earned(certificates: Iterable) -> None:
    """Certificates were issued: each participant earned theirs (their enrolments read in one
    query)."""
    if not is_enabled():
        return
    from courses.models import Enrolment  # courses imports this module

    certificates = list(certificates)
    enrolments = Enrolment.objects.select_related("user", "course", "cohort").in_bulk(
        [c.enrolment_id for c in certificates]
    )
    statements = []
    for certificate in certificates:
        enrolment = enrolments[certificate.enrolment_id]
        activity = _activity(
            absolute_url(certificate.get_absolute_url()),
            "certificate",
            enrolment.course.title,
            enrolment.course.language,
        )
        at = certificate.issued_at or timezone.now()
        statements.append(_statement("earned", enrolment, activity, at=at))
    _record(statements)


def _record(statements: list[dict], *, at: datetime | None = None) -> None:
    if at is not None:
        for statement in statements:
            statement.setdefault("timestamp", at.isoformat())
    rows = Statement.objects.bulk_create(
        Statement(id=statement["id"], verb=_verb_name(statement), payload=statement)
        for statement in statements
    )
    if rows:
        from .tasks import send_statements_task  # the tasks module imports the services

        transaction.on_commit(send_statements_task.delay)


def _statement(verb: str, enrolment, activity: dict, *, parent=None, at=None) -> dict:
    import uuid

    course = enrolment.course
    context = {
        "registration": str(enrolment.registration),
        "platform": settings.SITE_NAME,
        "language": course.language,
        "contextActivities": {
            "grouping": [_course(course)] if activity.get("id") != _course_id(course) else [],
            "other": [_cohort(enrolment)],
        },
    }
    if parent is not None:
        parent_activity = parent if isinstance(parent, dict) else _module(parent)
        context["contextActivities"]["parent"] = [parent_activity]
    if not context["contextActivities"]["grouping"]:
        del context["contextActivities"]["grouping"]
    return {
        "id": str(uuid.uuid4()),
        "actor": _actor(enrolment.user),
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": activity,
        "context": context,
        "timestamp": (at or timezone.now()).isoformat(),
    }


def _verb_name(statement: dict) -> str:
    return statement["verb"]["display"]["en-US"]


def _actor(user) -> dict:
    if settings.XAPI_ACTOR_EMAIL:
        return {"objectType": "Agent", "mbox": f"mailto:{user.email}"}
    return {
        "objectType": "Agent",
        "account": {"homePage": absolute_url("/"), "name": str(user.pk)},
    }


def _course_id(course) -> str:
    return absolute_url(course.get_absolute_url())


def _course(course) -> dict:
    return _activity(_course_id(course), "course", course.title, course.language)


def _module(module) -> dict:
    course = module.course
    return _activity(
        f"{_course_id(course)}#module-{module.slug}", "module", module.title, course.language
    )


def _lesson(lesson) -> dict:
    course = lesson.course
    return _activity(
        absolute_url(lesson.get_absolute_url()), "lesson", lesson.title, course.language
    )


def _quiz(quiz) -> dict:
    url = absolute_url(reverse("quiz-detail", args=[quiz.pk]))
    return _activity(url, "assessment", quiz.title, quiz.course.language)


def _question(quiz, question) -> dict:
    url = absolute_url(reverse("quiz-detail", args=[quiz.pk]))
    activity = _activity(f"{url}#question-{question.id}", "interaction", None, None)
    activity["definition"]["interactionType"] = INTERACTION_TYPES.get(question.type, "other")
    return activity


def _cohort(enrolment) -> dict:
    url = absolute_url(reverse("facilitate-cohort", args=[enrolment.cohort_id]))
    return _activity(url, "group", enrolment.cohort.name, enrolment.course.language)


def _activity(activity_id: str, kind: str, name: str | None, language: str | None) -> dict:
    definition: dict = {"type": ACTIVITY_TYPES[kind]}
    if name:
        definition["name"] = {language or "und": name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _module_completion(enrolment, module, *, at=None) -> list[dict]:
    from courses.services.progress import is_module_complete  # progress imports this module

    if not is_module_complete(enrolment.user_id, module):
        return []
    return [_statement("completed", enrolment, _module(module), at=at)]


def _score(earned: Decimal, worth: Decimal) -> dict | None:
    """xAPI's score (None for a question worth nothing: its max must exceed its min)."""
    if worth <= 0:
        return None
    scaled = max(Decimal(-1), min(Decimal(1), earned / worth))
    return {
        "scaled": float(round(scaled, 4)),
        "raw": float(earned),
        "min": 0,
        "max": float(worth),
    }


def _extension(name: str) -> str:
    return absolute_url(f"/xapi/extensions/{name}")
