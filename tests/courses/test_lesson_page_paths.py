"""The lesson page's fast paths against the plain ones, on a varied course.

The lesson page reads the lesson, its course, the reader's enrolment and what they have done in
one hand-written SQL query (`get_lesson_page`), and its outline is markup built in Python
(`{% course_outline %}`). The plain versions are `get_lesson_page_by_orm` (ORM queries) and the
template `courses/_outline.html`; bench/run.py lesson-page measures both ways. These tests keep
the fast paths giving exactly what the plain ones give: the same data, the same HTML.
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.html import escape

from courses.models import Course, Enrolment, EnrolmentStatus, Lesson, LessonCompletion, Module
from courses.outline import get_outline
from courses.selectors.lesson_page import (
    COURSE_READ,
    ENROLMENT_READ,
    LESSON_READ,
    get_lesson_page,
    get_lesson_page_by_orm,
)
from courses.services.enrolment import ensure_default_cohort
from courses.templatetags.course_outline import course_outline
from tests.factories import enrol_user, make_course, make_quiz, make_user
from tests.prepared_statements import needs_postgresql, prepared_statements

# Titles with what HTML escapes, in the course's script and direction.
TITLES = {
    "ar": {
        "course": 'حقوق الإنسان & "المشتريات" <العامة>',
        "modules": ["المقدمة <أساسيات>", "العناية الواجبة & المخاطر", "التقييم 'النهائي'", "ملحق"],
        "lesson": "الدرس {n} & <ب>",
        "quiz": 'اختبار "{n}" <i>',
    },
    "en": {
        "course": 'Rights & "Duties" in <Public> Procurement',
        "modules": ["Intro <basics>", "Due diligence & risk", "The 'final' check", "Annex"],
        "lesson": "Lesson {n}: </a><script>x</script> & more",
        "quiz": 'Quiz "{n}" & <b>answers</b>',
    },
}
# Per module: lessons (True: optional) and quizzes (questions, optional). The third module has
# only a quiz, the fourth only a lesson.
SHAPE = [
    ([False, False, True], [(2, False)]),
    ([False, False], [(3, False), (1, True)]),
    ([], [(0, False)]),
    ([True], []),
]
PERSONAS = ["midway", "completed", "withdrawn", "not enrolled", "anonymous", "admin unpublished"]


def build_course(language: str) -> Course:
    titles = TITLES[language]
    course = Course.objects.create(
        title=titles["course"], slug=f"varied-{language}", language=language, published=True
    )
    ensure_default_cohort(course)
    n = 0
    for m, (lessons, quizzes) in enumerate(SHAPE):
        module = Module.objects.create(
            course=course, slug=f"m{m}", title=titles["modules"][m], order=m
        )
        for i, optional in enumerate(lessons):
            n += 1
            Lesson.objects.create(
                module=module, slug=f"l{n}", title=titles["lesson"].format(n=n), order=i,
                optional=optional, estimated_minutes=n, body=f"Body *{n}* & <{n}>",
            )  # fmt: skip
        for q, (questions, optional) in enumerate(quizzes):
            make_quiz(
                module=module, slug=f"m{m}-q{q}", title=titles["quiz"].format(n=q),
                questions=questions, order=q, optional=optional,
            )  # fmt: skip
    return course


def reader(persona: str, course: Course, pass_quiz):
    """The user reading the course's lessons, with what they have done in it."""
    if persona == "anonymous":
        return AnonymousUser()
    if persona == "admin unpublished":
        Course.objects.filter(pk=course.pk).update(published=False)
        return make_user(is_staff=True)
    user = make_user()
    if persona == "not enrolled":
        return user
    lessons = list(Lesson.objects.filter(course=course).order_by("module__order", "order"))
    quizzes = list(course.quizzes.order_by("module__order", "order"))
    enrolment = enrol_user(user, course)
    # Mid-way: the first module done but for its quiz (failed), an optional lesson further on.
    done = [*lessons[:3], lessons[-1]] if persona == "midway" else lessons
    for lesson in done:
        LessonCompletion.objects.create(user=user, lesson=lesson, completed_at=timezone.now())
    if persona == "midway":
        pass_quiz(user, quizzes[0], passed=False)
        pass_quiz(user, quizzes[1])
    else:
        for quiz in quizzes:
            pass_quiz(user, quiz)
    enrolment.last_lesson = lessons[3]
    enrolment.last_activity_at = timezone.now()
    if persona == "completed":
        enrolment.status, enrolment.completed_at = EnrolmentStatus.COMPLETED, timezone.now()
    elif persona == "withdrawn":
        enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.WITHDRAWN, timezone.now()
    enrolment.save()
    # What they did in another course is not this course's progress.
    other = make_course(lessons_per_module=2, quizzes_per_module=1)
    enrol_user(user, other)
    for lesson in other.lessons.all():
        LessonCompletion.objects.create(user=user, lesson=lesson, completed_at=timezone.now())
    pass_quiz(user, other.quizzes.get())
    return user


@pytest.fixture(params=["ar", "en"])
def course(request, db):
    return build_course(request.param)


def fields(instance, names) -> dict:
    return {name: getattr(instance, name) for name in sorted(names)}


def comparable(page: dict) -> dict:
    """The page's context with its model instances as the fields the page reads."""
    page = dict(page)
    page["lesson"] = fields(page["lesson"], LESSON_READ)
    page["course"] = fields(page["course"], COURSE_READ | {"text_direction"})
    if page["enrolment"] is not None:
        page["enrolment"] = fields(page["enrolment"], ENROLMENT_READ | {"last_activity_at"})
    return page


@pytest.mark.parametrize("persona", PERSONAS)
def test_hand_written_query_reads_what_the_orm_reads(course, persona, pass_quiz):
    user = reader(persona, course, pass_quiz)
    enrolled = persona in ("midway", "completed")

    for lesson in Lesson.objects.filter(course=course):
        fast = get_lesson_page(user, course.slug, lesson.slug)
        plain = get_lesson_page_by_orm(user, course.slug, lesson.slug)

        assert comparable(fast) == comparable(plain)
        assert (fast["progress"] is not None) == enrolled


@pytest.mark.parametrize("persona", ["not enrolled", "anonymous"])
def test_either_path_refuses_what_is_not_there_or_not_published(course, persona, pass_quiz):
    user = reader(persona, course, pass_quiz)
    lesson = Lesson.objects.filter(course=course).first()
    other_course_lesson = make_course().lessons.first()
    Course.objects.filter(pk=course.pk).update(published=True)
    missing = [
        ("no-such-course", lesson.slug),
        (course.slug, "no-such-lesson"),
        (course.slug, other_course_lesson.slug),
    ]
    for read in (get_lesson_page, get_lesson_page_by_orm):
        for course_slug, lesson_slug in missing:
            with pytest.raises(Http404):
                read(user, course_slug, lesson_slug)
    Course.objects.filter(pk=course.pk).update(published=False)
    for read in (get_lesson_page, get_lesson_page_by_orm):
        with pytest.raises(Http404):
            read(user, course.slug, lesson.slug)


def normalised(html: str) -> str:
    """Whitespace runs as one space, none around block tags (lists, items, headings), where
    HTML ignores it; a form's CSRF token, different on every render, blanked."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r" ?(</?(?:ol|ul|li|h\d|nav|div|p|form)\b[^>]*>) ?", r"\1", html).strip()


@pytest.mark.parametrize("interface", ["en", "ar"])
@pytest.mark.parametrize("persona", ["midway", "completed", "anonymous"])
def test_outline_built_in_python_is_the_outline_template(course, persona, interface, pass_quiz):
    user = reader(persona, course, pass_quiz)
    lessons = Lesson.objects.filter(course=course)
    with translation.override(interface):
        outline = get_outline(course)
        page = get_lesson_page_by_orm(user, course.slug, lessons.first().slug)
        # Lesson pages (level 2, a current lesson) and the course page (level 3, none).
        for heading_level, current in [(2, lesson.pk) for lesson in lessons] + [(3, None)]:
            for progress in {page["progress"], None}:
                fast = course_outline(outline, course, current, heading_level, progress)
                plain = render_to_string(
                    "courses/_outline.html",
                    {"outline": outline, "course": course, "current_lesson_id": current,
                     "heading_level": heading_level, "progress": progress},
                )  # fmt: skip

                assert normalised(fast) == normalised(plain)
    marked = normalised(fast)
    assert "&lt;" in marked and "<script>" not in marked


# The lesson page with the outline of the template: what bench/run.py lesson-page measures as
# the plain path (bench/templates/bench/lesson_by_orm.html).
PLAIN_PAGE = engines["django"].from_string(
    '{% extends "courses/lesson_detail.html" %}{% block outline %}{% include '
    '"courses/_outline.html" with current_lesson_id=lesson.pk heading_level=2 %}{% endblock %}'
)


@pytest.mark.parametrize("persona", ["midway", "not enrolled", "anonymous", "admin unpublished"])
def test_lesson_page_is_the_same_page_by_either_path(course, persona, pass_quiz):
    user = reader(persona, course, pass_quiz)
    for lesson in Lesson.objects.filter(course=course):
        request = RequestFactory().get(lesson.get_absolute_url())
        request.user, request.session = user, {}
        fast = render_to_string(
            "courses/lesson_detail.html",
            get_lesson_page(user, course.slug, lesson.slug),
            request,
        )
        plain = PLAIN_PAGE.render(get_lesson_page_by_orm(user, course.slug, lesson.slug), request)

        assert normalised(fast) == normalised(plain)
        assert escape(course.title) in fast and escape(lesson.title) in fast


def test_enrolment_read_by_hand_is_the_current_one(db):
    # A withdrawn enrolment and an active one in another cohort: the page reads the active.
    course = make_course(lessons_per_module=2)
    user = make_user()
    withdrawn = enrol_user(user, course, cohort=course.cohorts.create(name="Earlier"))
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    withdrawn.save()
    active = enrol_user(user, course)
    lesson = course.lessons.first()

    for read in (get_lesson_page, get_lesson_page_by_orm):
        assert read(user, course.slug, lesson.slug)["enrolment"].pk == active.pk
    assert Enrolment.objects.filter(user=user, course=course).count() == 2


def lesson_statements() -> tuple[int, int]:
    """The lesson query's prepared statements on this connection, and how often they ran."""
    return prepared_statements("%FROM courses_lesson l JOIN courses_course c%")


@needs_postgresql
def test_lesson_query_is_prepared_once_per_connection(client, db):
    course = make_course(lessons_per_module=3)
    user = make_user()
    enrol_user(user, course)
    client.force_login(user)
    statements, runs = lesson_statements()

    for lesson in course.lessons.all():
        assert client.get(lesson.get_absolute_url()).status_code == 200

    # One statement, planned once, run for each page (or two: psycopg keys a statement by the
    # types of its parameters too, and a user id may fit a smaller integer than another).
    assert lesson_statements()[0] - statements in (0, 1)
    assert lesson_statements()[1] - runs == 3


@needs_postgresql
def test_without_prepared_statements_the_page_is_the_same(client, db):
    # DATABASE_PREPARED_STATEMENTS=0 (behind a pooler that cannot keep them) leaves psycopg's
    # threshold None: nothing is prepared, and the page reads the same.
    course = make_course(lessons_per_module=2)
    user = make_user()
    enrol_user(user, course)
    lesson = course.lessons.first()
    client.force_login(user)
    prepared = normalised(client.get(lesson.get_absolute_url()).content.decode())
    statements, runs = lesson_statements()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None
    try:
        planned = normalised(client.get(lesson.get_absolute_url()).content.decode())
    finally:
        connection.connection.prepare_threshold = threshold

    assert threshold is not None  # the default: prepared
    assert lesson_statements() == (statements, runs)
    assert planned == prepared
