"""Reads for the lesson page, the busiest of the site, and a learner's progress in a course.

The lesson page reads the lesson, its course, the reader's enrolment and what they have done in
the course in one query written by hand (`get_lesson_page`): a fast path beside the plain one,
`get_lesson_page_by_orm`, kept because the bench needs it (see the figures below) and fenced by
tests/courses/test_lesson_page_paths.py, which compares the two on a varied course.
"""

import functools

from django.db import connection
from django.db.models import Value
from django.http import Http404

from elearn.db import prepared_cursor
from quizzes.models import Attempt, Quiz

from ..models import Course, Enrolment, Lesson, LessonCompletion
from ..outline import Outline, get_outline
from ..progress import CourseProgress, compute_progress
from .access import CURRENT, get_current_enrolment


def progress_for(user, outline: Outline, enrolment: Enrolment) -> CourseProgress:
    """The user's progress through the outline's course: one query."""
    completed, passed = _done_in_course(user.pk, enrolment.course_id)
    return compute_progress(
        outline,
        completed_lesson_ids=completed,
        passed_quiz_ids=passed,
        last_lesson_id=enrolment.last_lesson_id,
    )


def get_lesson_page(user, course_slug, lesson_slug):
    """A lesson with its course's outline, its previous and next lessons, and for an enrolled
    user their enrolment and progress.

    Raises Http404 for an unknown course or lesson, or a course the user may not see. One
    query (the lesson with its course, the user's enrolment and what the user has done in the
    course); the outline comes from the cache.
    """
    found = _find_lesson(
        course_slug,
        lesson_slug,
        user_id=user.pk if user.is_authenticated else None,
        published_only=not (user.is_authenticated and user.is_staff),
    )
    if found is None:
        raise Http404("No such lesson.")
    lesson, enrolment, done = found
    return _lesson_page(user, lesson, enrolment, done)


def get_lesson_page_by_orm(user, course_slug, lesson_slug):
    """What get_lesson_page returns, read plainly with the ORM: the lesson with its course, the
    user's current enrolment (`get_current_enrolment`), then what they have done in the course
    (three queries). The reference the hand-written query is tested against and measured beside
    (bench/views.py); pages use get_lesson_page."""
    lessons = Lesson.objects.select_related("course").filter(
        course__slug=course_slug, slug=lesson_slug
    )
    if not (user.is_authenticated and user.is_staff):
        lessons = lessons.filter(course__published=True)
    lesson = lessons.first()
    if lesson is None:
        raise Http404("No such lesson.")
    enrolment = get_current_enrolment(user, lesson.course)
    done = _done_in_course(user.pk, lesson.course_id) if enrolment is not None else None
    return _lesson_page(user, lesson, enrolment, done)


def _lesson_page(
    user, lesson: Lesson, enrolment: Enrolment | None, done: tuple[set[int], set[int]] | None
) -> dict:
    """The page's context from what was read; what the user has done is read now if the
    enrolment came without it."""
    outline = get_outline(lesson.course)
    ordered = outline.lessons
    position = next((i for i, item in enumerate(ordered) if item.id == lesson.pk), None)
    if position is None:  # deleted between the two reads
        raise Http404("No such lesson.")
    progress = None
    if enrolment is not None:
        completed, passed = done if done is not None else _done_in_course(user.pk, lesson.course_id)
        progress = compute_progress(
            outline,
            completed_lesson_ids=completed,
            passed_quiz_ids=passed,
            last_lesson_id=enrolment.last_lesson_id,
        )
    return {
        "enrolment": enrolment,
        "progress": progress,
        "completed": progress is not None and lesson.pk in progress.completed_lesson_ids,
        "course": lesson.course,
        "lesson": lesson,
        "module": outline.module_of(lesson.pk),
        "outline": outline,
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
        "position": position + 1,
        "lesson_total": len(ordered),
    }


# The lesson page is the busiest page of the site, and building its queries with the ORM cost
# more time than running them. The query below is written by hand, in SQL plain enough for
# SQLite and PostgreSQL alike. Text and integer fields only: their database values need no
# conversion, as from_db expects; the instances carry only these fields (others load on access),
# and the enrolment's last activity, converted on its own (_ACTIVITY). On SQLite and PostgreSQL
# it also brings what the user has done in the course (two subqueries, their ids joined in a
# string), which saves the page a round trip.
# On PostgreSQL the query is prepared once per connection (elearn.db.prepared_cursor): planning
# it, with its joins and subqueries, took 0.4 ms and running it 0.1 ms.
# Why it stays: `bench/run.py lesson-page` (2 gunicorn workers on PostgreSQL, the 2-core machine
# shared, load average 5 to 10), ratio to the reference view, target >= 0.8: the page as it is
# 0.82-1.16 in 7 runs; all plain (get_lesson_page_by_orm and the outline's template, as
# bench/views.py serves it) 0.40-0.49 in 5; the ORM's reads with the outline built in Python
# 0.46-0.47 in 2. This query is needed for the target, and so is the outline's markup built in
# Python (courses/templatetags/course_outline.py).
# On a quiet machine (2026-12-05), the query planned on every request gave 0.74 (rounds
# 0.70-0.82); prepared, 0.85 (rounds 0.80-0.90); all plain 0.37-0.38.
LESSON_READ = {"id", "title", "slug", "body_html", "estimated_minutes", "module_id", "course_id"}
COURSE_READ = {"id", "slug", "title", "language", "outline_key"}
ENROLMENT_READ = {"id", "user_id", "cohort_id", "course_id", "status", "last_lesson_id"}
_ACTIVITY = Enrolment._meta.get_field("last_activity_at")


def _fields(model, names):
    """The model's fields of these names, in the model's own order (what from_db expects)."""
    return [f for f in model._meta.concrete_fields if f.attname in names]


# How each database joins ids into one string, for the done subqueries.
_JOIN_IDS = {
    "postgresql": "string_agg(CAST({} AS TEXT), ',')",
    "sqlite": "group_concat({}, ',')",
}


@functools.cache
def _lesson_query(published_only: bool, vendor: str):
    """The SQL of _find_lesson, the attribute names of its columns model by model, and
    whether it ends with the done columns (the vendor can join ids into a string)."""
    parts = [
        (alias, _fields(model, names))
        for alias, model, names in (
            ("l", Lesson, LESSON_READ),
            ("c", Course, COURSE_READ),
            ("e", Enrolment, ENROLMENT_READ),
        )
    ]
    columns = ", ".join(f"{alias}.{f.column}" for alias, fields in parts for f in fields)
    columns += f", e.{_ACTIVITY.column}"
    join_ids = _JOIN_IDS.get(vendor)
    if join_ids:
        completion, attempt = LessonCompletion._meta.db_table, Attempt._meta.db_table
        columns += (
            f", (SELECT {join_ids.format('d.lesson_id')} FROM {completion} d "  # noqa: S608
            f"JOIN {Lesson._meta.db_table} dl ON dl.id = d.lesson_id "
            f"WHERE d.user_id = %s AND dl.course_id = c.id), "
            f"(SELECT {join_ids.format('a.quiz_id')} FROM {attempt} a "
            f"JOIN {Quiz._meta.db_table} q ON q.id = a.quiz_id "
            f"WHERE a.user_id = %s AND q.course_id = c.id AND a.passed = %s)"
        )
    sql = (
        f"SELECT {columns} "  # noqa: S608 - names from the models, values are params
        f"FROM {Lesson._meta.db_table} l "
        f"JOIN {Course._meta.db_table} c ON c.id = l.course_id "
        f"LEFT JOIN {Enrolment._meta.db_table} e ON e.course_id = c.id AND e.user_id = %s "
        f"AND e.status IN (%s, %s) "
        f"WHERE c.slug = %s AND l.slug = %s"
    )
    if published_only:
        sql += " AND c.published = %s"
    return sql, [[f.attname for f in fields] for _alias, fields in parts], bool(join_ids)


def _find_lesson(
    course_slug: str, lesson_slug: str, *, user_id: int | None, published_only: bool
) -> tuple[Lesson, Enrolment | None, tuple[set[int], set[int]] | None] | None:
    """The lesson, its course, the user's current enrolment in the course, and (on SQLite and
    PostgreSQL) the ids of the lessons they completed and the quizzes they passed in it, in
    one query; the last is None on other databases.

    At most one current enrolment per user and course exists (a database constraint), so the
    join gives at most one row.
    """
    sql, fields, with_done = _lesson_query(published_only, connection.vendor)
    lesson_fields, course_fields, enrolment_fields = fields
    params = [user_id, user_id, True] if with_done else []
    params += [user_id, *CURRENT, course_slug, lesson_slug]
    if published_only:
        params.append(True)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    lesson_end = len(lesson_fields)
    course_end = lesson_end + len(course_fields)
    enrolment_end = course_end + len(enrolment_fields)
    lesson = Lesson.from_db(connection.alias, lesson_fields, row[:lesson_end])
    lesson.course = Course.from_db(connection.alias, course_fields, row[lesson_end:course_end])
    enrolment = None
    if row[course_end] is not None:  # the enrolment's id: there is one
        enrolment = Enrolment.from_db(
            connection.alias, enrolment_fields, row[course_end:enrolment_end]
        )
        enrolment.last_activity_at = _from_db(_ACTIVITY, row[enrolment_end])
    done = None
    if with_done:
        done = (_ids(row[enrolment_end + 1]), _ids(row[enrolment_end + 2]))
    return lesson, enrolment, done


def _from_db(field, value):
    """A value read by hand as the ORM would give it (SQLite gives datetimes as text)."""
    column = field.get_col("e")
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        value = convert(value, column, connection)
    return value


def _ids(joined: str | None) -> set[int]:
    return {int(i) for i in joined.split(",")} if joined else set()


def _done_in_course(user_id: int, course_id: int) -> tuple[set[int], set[int]]:
    """Ids of the lessons the user completed and the quizzes they passed in the course: one
    query."""
    completed = LessonCompletion.objects.filter(user_id=user_id, lesson__course_id=course_id)
    passed = Attempt.objects.filter(user_id=user_id, quiz__course_id=course_id, passed=True)
    rows = completed.values_list(Value("lesson"), "lesson_id").union(
        passed.order_by().values_list(Value("quiz"), "quiz_id"), all=True
    )
    done: dict[str, set[int]] = {"lesson": set(), "quiz": set()}
    for kind, item_id in rows:
        done[kind].add(item_id)
    return done["lesson"], done["quiz"]
