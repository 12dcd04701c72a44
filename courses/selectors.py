"""Reads for the catalogue, course and lesson pages, with a fixed number of queries each."""

from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from quizzes.models import Quiz

from .models import Course, Lesson, Module
from .outline import get_outline


def list_catalogue(user):
    """Courses the user may see, with their size, in catalogue order."""
    return (
        Course.objects.visible_to(user)
        .annotate(
            module_count=Count("modules", distinct=True),
            lesson_count=Count("lessons", distinct=True),
        )
        .order_by("order", "title")
    )


def get_course_page(user, slug):
    """The course (404 if missing or not visible to the user) and its outline."""
    course = get_object_or_404(Course.objects.visible_to(user), slug=slug)
    return {"course": course, "outline": get_outline(course)}


def get_course_with_outline(user, slug):
    """The course (404 if missing or not visible) with modules, lessons and quizzes prefetched.

    For the API, which serialises model instances; pages use the cached outline instead.
    """
    modules = Module.objects.prefetch_related(
        "lessons",
        Prefetch(
            "quizzes",
            queryset=Quiz.objects.annotate(question_count=Count("questions")).order_by(
                "order", "id"
            ),
        ),
    )
    queryset = Course.objects.visible_to(user).prefetch_related(Prefetch("modules", modules))
    return get_object_or_404(queryset, slug=slug)


def get_lesson_page(user, course_slug, lesson_slug):
    """A lesson with its course's outline and its previous and next lessons.

    Raises Http404 for an unknown course or lesson, or a course the user may not see. One query
    for the lesson; the outline comes from the cache.
    """
    lessons = Lesson.objects.select_related("course").only(
        "id", "title", "slug", "body_html", "estimated_minutes", "module_id",
        "course__id", "course__slug", "course__title", "course__language", "course__published",
        "course__outline_version", "course__created_at",
    )  # fmt: skip
    if not (user.is_authenticated and user.is_staff):
        lessons = lessons.filter(course__published=True)
    lesson = get_object_or_404(lessons, course__slug=course_slug, slug=lesson_slug)
    outline = get_outline(lesson.course)
    ordered = outline.lessons
    position = next((i for i, item in enumerate(ordered) if item.id == lesson.pk), None)
    if position is None:  # the outline was read before this lesson was added: read it anew
        raise Http404("No such lesson in this course.")
    return {
        "course": lesson.course,
        "lesson": lesson,
        "module": outline.module_of(lesson.pk),
        "outline": outline,
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
        "position": position + 1,
        "lesson_total": len(ordered),
    }
