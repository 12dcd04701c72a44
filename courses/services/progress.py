"""Progress: lessons completed, lessons visited, activity, and course completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from elearn.db import prepared_cursor
from lti.scores import record_course_score
from quizzes.models import Attempt, Quiz
from xapi.statements import record_course_completed, record_lesson_completed, record_lesson_opened

from ..events import course_completed
from ..exceptions import NotEnrolled
from ..models import (
    ActivityMonth,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonCompletion,
    LessonVisit,
    Module,
)
from ..selectors.access import CURRENT, get_current_enrolment

# How precisely an enrolment's last activity is kept: a participant reading lesson after
# lesson writes it at most once in this time, so the busiest page mostly writes nothing.
ACTIVITY_GRAIN = timedelta(minutes=15)


@dataclass(frozen=True)
class LessonCompletionOutcome:
    """What record_lesson_completion did.

    `completion`: the participant's completion of the lesson (the first one, if it was complete
    already); `created`: whether this call created it; `enrolment`: their current enrolment,
    as it is after the call; `course_completed`: whether this call completed the course (the
    enrolment moved from active to completed here; True for one call only).
    """

    completion: LessonCompletion
    created: bool
    enrolment: Enrolment
    course_completed: bool


@transaction.atomic
def record_lesson_completion(user: User, lesson: Lesson) -> LessonCompletionOutcome:
    """Mark a lesson complete for an enrolled participant (NotEnrolled otherwise); may complete
    the course. Progress only moves forward: completing a lesson again changes nothing (the
    completion time is set once, on the transition). Returns what happened.
    """
    enrolment = get_current_enrolment(user, lesson.course)
    if enrolment is None:
        raise NotEnrolled()
    try:
        with transaction.atomic():
            completion = LessonCompletion.objects.create(
                user=user, lesson=lesson, completed_at=timezone.now()
            )
        record_active_month(user.pk, lesson.course_id, completion.completed_at)
        record_lesson_completed(enrolment, lesson)
        created = True
    except IntegrityError:  # already complete (a double click, or another tab)
        completion = LessonCompletion.objects.get(user=user, lesson=lesson)
        created = False
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=timezone.now())
    # Also when it was complete already: the course may have changed since (a lesson removed).
    course_completed = evaluate_completion(enrolment)
    return LessonCompletionOutcome(
        completion=completion,
        created=created,
        enrolment=enrolment,
        course_completed=course_completed,
    )


def record_lesson_visit(enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember that the participant opened the lesson: the last lesson opened (for Resume),
    a visit to it (first, last, how many) and the enrolment's last activity.

    Writes only when they open another lesson than the last one, or when their last activity
    is older than ACTIVITY_GRAIN: a reload writes nothing. `enrolment.last_activity_at` must
    be loaded (the lesson page's query brings it).
    """
    now = timezone.now()
    moved = enrolment.last_lesson_id != lesson.pk
    last = enrolment.last_activity_at
    if not moved and last is not None and last >= now - ACTIVITY_GRAIN:
        return
    if moved:
        _count_visit(enrolment.user_id, lesson.pk, now)
        record_lesson_opened(enrolment, lesson)
    Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_activity_at=now)
    enrolment.last_lesson_id, enrolment.last_activity_at = lesson.pk, now


def _count_visit(user_id: int, lesson_id: int, now: datetime) -> None:
    # One statement, on the busiest page: insert the first visit or count one more.
    table = connection.ops.quote_name(LessonVisit._meta.db_table)
    at = LessonVisit._meta.get_field("last_visited_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, lesson_id, first_visited_at, last_visited_at, visits) "  # noqa: S608 - the model's table
            "VALUES (%s, %s, %s, %s, 1) ON CONFLICT (user_id, lesson_id) DO UPDATE SET "
            f"last_visited_at = excluded.last_visited_at, visits = {table}.visits + 1",
            [user_id, lesson_id, at, at],
        )


def record_activity(user_id: int, course_id: int) -> None:
    """Note that the participant did something in the course (a quiz answered, say): their
    current enrolment's last activity, written at most once per ACTIVITY_GRAIN."""
    now = timezone.now()
    Enrolment.objects.filter(user_id=user_id, course_id=course_id, status__in=CURRENT).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=now - ACTIVITY_GRAIN)
    ).update(last_activity_at=now)


def start_of_month(moment: datetime) -> datetime:
    """The first moment of `moment`'s month in the site's time zone (what TruncMonth gives)."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def record_active_month(user_id: int, course_id: int, moment: datetime) -> None:
    """Note that the participant was active on the course in `moment`'s month (ActivityMonth):
    by record_lesson_completion and start_attempt, and by whatever writes past activity (the
    demo, tests). One statement; nothing when the month is noted already."""
    ActivityMonth.objects.bulk_create(
        [ActivityMonth(user_id=user_id, course_id=course_id, month=start_of_month(moment))],
        ignore_conflicts=True,
    )


@transaction.atomic
def rebuild_activity_months(*, user_ids: list[int] | None = None) -> int:
    """Write ActivityMonth again from lesson completions and quiz attempts (all participants',
    or those of `user_ids`): after past activity was written or re-dated without
    record_active_month. Returns the number of rows written."""
    sources = [
        LessonCompletion.objects.values_list(
            "user_id", "lesson__course_id", TruncMonth("completed_at")
        ),
        Attempt.objects.values_list("user_id", "quiz__course_id", TruncMonth("started_at")),
    ]
    stale = ActivityMonth.objects.all()
    if user_ids is not None:
        stale = stale.filter(user_id__in=user_ids)
        sources = [source.filter(user_id__in=user_ids) for source in sources]
    stale.delete()
    rows = {row for source in sources for row in source.order_by().distinct().iterator()}
    created = ActivityMonth.objects.bulk_create(
        (ActivityMonth(user_id=u, course_id=c, month=m) for u, c, m in rows), batch_size=2000
    )
    return len(created)


def record_quiz_result(user_id: int, course_id: int, *, passed: bool) -> bool:
    """Note that the participant submitted a quiz in the course and, after a pass, complete
    their enrolment if nothing required is left (evaluate_completion's rule). Returns True only
    for the call that completed it. Runs in the caller's transaction (the one storing the
    result): one query after a fail, two after a pass (three when it completes the course).
    """
    if not passed:
        record_activity(user_id, course_id)
        return False
    with transaction.atomic(savepoint=False):
        # Noting the activity locks the enrolment row, as evaluate_completion's read does: two
        # requests finishing the last two items are judged one after the other, and the judging
        # query, which starts once the lock is held, sees the work of whoever held it before.
        if not _note_activity(user_id, course_id):
            return False
        enrolment_id = _completable_enrolment(user_id, course_id)
        return enrolment_id is not None and _complete(Enrolment.objects.get(pk=enrolment_id))


def _note_activity(user_id: int, course_id: int) -> bool:
    """Write the current enrolment's last activity, unconditionally (its row stays locked until
    the transaction ends); whether there is one. This is
    `Enrolment.objects.filter(user_id=..., course_id=..., status__in=CURRENT).update(...)`,
    written in SQL and prepared, as _completable_enrolment after it: built by the ORM, it cost a
    twentieth of a quiz submission's processor time (bench/run.py quiz-submit).
    tests/quizzes/test_services.py checks it on every enrolment state."""
    enrolment = connection.ops.quote_name(Enrolment._meta.db_table)
    statuses = [status.value for status in CURRENT]
    placeholders = ", ".join(["%s"] * len(statuses))
    sql = (
        f"UPDATE {enrolment} SET last_activity_at = %s"  # noqa: S608 - the model's table
        f" WHERE user_id = %s AND course_id = %s AND status IN ({placeholders})"
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [timezone.now(), user_id, course_id, *statuses])
        return cursor.rowcount > 0


@transaction.atomic
def evaluate_completion(enrolment: Enrolment) -> bool:
    """Complete the enrolment if every required lesson is complete and every required quiz passed.

    Returns True only for the call that completed it (Enrolment.complete); `enrolment` is
    updated to its state after the call. The enrolment row is locked first, so two requests
    finishing the last two items at once are judged one after the other and the second sees the
    first's work: exactly one of them completes the course. course_completed is sent once,
    after commit. A withdrawn enrolment is left as it is.
    """
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    completed = (
        locked.status == EnrolmentStatus.ACTIVE
        and _completable_enrolment(locked.user_id, locked.course_id) == locked.pk
        and _complete(locked)
    )
    enrolment.status, enrolment.completed_at = locked.status, locked.completed_at
    return completed


def is_module_complete(user_id: int, module: Module) -> bool:
    """Whether the participant completed every required lesson of the module and passed every
    required quiz of it (a module with nothing required is complete). For learning records:
    the course's completion is _completable_enrolment's rule."""
    lesson_left = Lesson.objects.filter(module=module, optional=False).exclude(
        Exists(LessonCompletion.objects.filter(lesson=OuterRef("pk"), user_id=user_id))
    )
    quiz_left = Quiz.objects.filter(module=module, optional=False).exclude(
        Exists(Attempt.objects.filter(quiz=OuterRef("pk"), user_id=user_id, passed=True))
    )
    return not lesson_left.exists() and not quiz_left.exists()


def _completable_enrolment(user_id: int, course_id: int) -> int | None:
    """The participant's active enrolment in the course if no required lesson lacks their
    completion and no required quiz their pass, in one query: the rule of when a course is
    complete, for evaluate_completion and record_quiz_result alike.

    Written in SQL: built by the ORM, this query took a quarter of a quiz submission's time
    (bench/run.py quiz-submit). tests/quizzes/test_services.py checks it on every combination
    of lessons done, quizzes passed, failed, missing or optional, and enrolment states.
    """
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in [
            ("enrolment", Enrolment),
            ("lesson", Lesson),
            ("completion", LessonCompletion),
            ("quiz", Quiz),
            ("attempt", Attempt),
        ]
    }
    sql = """
        SELECT e.id FROM {enrolment} e
        WHERE e.user_id = %s AND e.course_id = %s AND e.status = %s
        AND NOT EXISTS (
            SELECT 1 FROM {lesson} l
            WHERE l.course_id = e.course_id AND NOT l.optional AND NOT EXISTS (
                SELECT 1 FROM {completion} c WHERE c.lesson_id = l.id AND c.user_id = e.user_id
            )
        )
        AND NOT EXISTS (
            SELECT 1 FROM {quiz} q
            WHERE q.course_id = e.course_id AND NOT q.optional AND NOT EXISTS (
                SELECT 1 FROM {attempt} a
                WHERE a.quiz_id = q.id AND a.user_id = e.user_id AND a.passed
            )
        )
    """.format(**tables)  # noqa: S608 - the models' tables
    with prepared_cursor() as cursor:  # planning it costs six times running it (PostgreSQL)
        cursor.execute(sql, [user_id, course_id, EnrolmentStatus.ACTIVE.value])
        row = cursor.fetchone()
    return row[0] if row else None


def _complete(enrolment: Enrolment) -> bool:
    """Complete a judged enrolment, its row locked (Enrolment.complete); course_completed is
    sent after commit. True only if this call completed it."""
    if not enrolment.complete():
        return False
    record_course_completed(enrolment)
    record_course_score(enrolment)
    enrolment_id = enrolment.pk
    transaction.on_commit(
        lambda: course_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    )
    return True
