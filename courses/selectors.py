"""Reads for the catalogue, course and lesson pages, with a fixed number of queries each."""

from django.db.models import Count, Prefetch, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from quizzes.models import Quiz

from .models import Course, Lesson, Module


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


def _outline_modules():
    return Module.objects.prefetch_related(
        Prefetch(
            "lessons",
            queryset=Lesson.objects.only(
                "id", "slug", "title", "estimated_minutes", "order", "module_id", "course_id"
            ),
        ),
        Prefetch(
            "quizzes",
            queryset=Quiz.objects.only(
                "id", "slug", "title", "order", "module_id", "course_id", "pass_mark"
            ).annotate(question_count=Count("questions")),
        ),
    )


def get_course_with_outline(user, slug):
    """The course (404 if missing or not visible to the user), its modules, lessons and quizzes."""
    queryset = (
        Course.objects.visible_to(user)
        .prefetch_related(Prefetch("modules", queryset=_outline_modules()))
        .annotate(total_minutes=Sum("lessons__estimated_minutes"))
    )
    return get_object_or_404(queryset, slug=slug)


def get_lesson_page(user, course_slug, lesson_slug):
    """A lesson with its course outline and its previous and next lessons.

    Raises Http404 for an unknown course or lesson or a course the user may not see.
    """
    course = get_course_with_outline(user, course_slug)
    ordered = [lesson for module in course.modules.all() for lesson in module.lessons.all()]
    position = next((i for i, lesson in enumerate(ordered) if lesson.slug == lesson_slug), None)
    if position is None:
        raise Http404("No such lesson in this course.")
    lesson = Lesson.objects.select_related("module").get(pk=ordered[position].pk)
    return {
        "course": course,
        "lesson": lesson,
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
        "position": position + 1,
        "lesson_total": len(ordered),
    }
