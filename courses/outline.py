"""A course's outline (modules with their lessons and quizzes, in order), cached.

Lesson and course pages need the whole outline on every request; building it from the ORM costs
more than the rest of the page. It is built once per course structure and language (labels are
translated) and kept in the shared cache. Any write to a module, lesson, quiz or question gives
the course a new Course.outline_key (courses.signals), so a stale outline is never served:
readers simply ask for a key that does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import get_language, ngettext

from quizzes.models import Quiz

from .models import Course, Lesson, Module, new_outline_key

CACHE_SECONDS = 24 * 3600
# Part of every cache key: bump it when the Outline classes change, so that processes running
# the new code never read outlines pickled by the old.
FORMAT = 3
# Outlines already read by this process. A key names one version of one course, whose content
# never changes, so entries never go stale; the bound only caps memory.
_LOCAL: dict[str, Outline] = {}
_LOCAL_MAX = 512


@dataclass(frozen=True)
class OutlineItem:
    kind: str  # "lesson" or "quiz"
    id: int
    slug: str
    title: str
    meta: str  # translated, e.g. "7 min" or "6 questions"
    url: str = ""
    minutes: int = 0
    optional: bool = False


@dataclass(frozen=True)
class OutlineModule:
    id: int
    slug: str
    title: str
    items: tuple[OutlineItem, ...]


@dataclass(frozen=True)
class Outline:
    modules: tuple[OutlineModule, ...]

    @property
    def lessons(self) -> list[OutlineItem]:
        return [item for m in self.modules for item in m.items if item.kind == "lesson"]

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.lessons)

    @property
    def first_lesson(self) -> OutlineItem | None:
        lessons = self.lessons
        return lessons[0] if lessons else None

    def module_of(self, item_id: int, *, kind: str = "lesson") -> OutlineModule | None:
        """The module holding the lesson (or, with kind="quiz", the quiz) of this id."""
        return next(
            (m for m in self.modules for i in m.items if i.kind == kind and i.id == item_id), None
        )


def get_outline(course: Course) -> Outline:
    """The course's outline in the active language: from this process, the cache, or built."""
    return get_outlines([course])[course.pk]


def get_outlines(courses) -> dict[int, Outline]:
    """Outlines of several courses by course id, with one cache read for all that are missing
    from this process."""
    language = get_language()
    keys = {c.pk: f"outline:{FORMAT}:{c.pk}:{c.outline_key}:{language}" for c in courses}
    outlines = {pk: _LOCAL[key] for pk, key in keys.items() if key in _LOCAL}
    missing = [c for c in courses if c.pk not in outlines]
    if missing:
        cached = cache.get_many([keys[c.pk] for c in missing])
        built = {}
        for course in missing:
            outline = cached.get(keys[course.pk])
            if outline is None:
                outline = built[keys[course.pk]] = build_outline(course)
            outlines[course.pk] = outline
        if built:
            cache.set_many(built, CACHE_SECONDS)
        if len(_LOCAL) + len(missing) > _LOCAL_MAX:
            _LOCAL.clear()
        _LOCAL.update({keys[c.pk]: outlines[c.pk] for c in missing})
    return outlines


def build_outline(course: Course) -> Outline:
    """Read the outline from the database: three queries whatever the course's size."""
    lessons_by_module: dict[int, list[OutlineItem]] = {}
    for row in Lesson.objects.filter(course=course).values(
        "id", "slug", "title", "estimated_minutes", "module_id", "optional"
    ):
        minutes = row["estimated_minutes"]
        lessons_by_module.setdefault(row["module_id"], []).append(
            OutlineItem(
                kind="lesson",
                id=row["id"],
                slug=row["slug"],
                title=row["title"],
                minutes=minutes,
                meta=ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes},
                url=reverse("lesson-detail", args=[course.slug, row["slug"]]),
                optional=row["optional"],
            )
        )
    quizzes_by_module: dict[int, list[OutlineItem]] = {}
    quizzes = (
        Quiz.objects.filter(course=course)
        .annotate(question_count=Count("questions"))
        .order_by("order", "id")
        .values("id", "slug", "title", "module_id", "question_count", "optional")
    )
    for row in quizzes:
        count = row["question_count"]
        quizzes_by_module.setdefault(row["module_id"], []).append(
            OutlineItem(
                kind="quiz",
                id=row["id"],
                slug=row["slug"],
                title=row["title"],
                meta=ngettext("%(count)d question", "%(count)d questions", count)
                % {"count": count},
                url=reverse("quiz-detail", args=[row["id"]]),
                optional=row["optional"],
            )
        )
    modules = Module.objects.filter(course=course).values("id", "slug", "title")
    return Outline(
        modules=tuple(
            OutlineModule(
                id=m["id"],
                slug=m["slug"],
                title=m["title"],
                items=(*lessons_by_module.get(m["id"], ()), *quizzes_by_module.get(m["id"], ())),
            )
            for m in modules
        )
    )


def invalidate_outline(course_id: int) -> None:
    """Make the next read rebuild the course's outline (a new key, so new cache entries)."""
    Course.objects.filter(pk=course_id).update(outline_key=new_outline_key())
