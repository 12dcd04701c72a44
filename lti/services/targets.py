"""What an LTI link opens here: a course, one of its modules or lessons, or a quiz.

A link names its target in the custom parameter `elearn_target` (set by deep linking, or
typed by an admin on the platform): `course:<course slug>`, `module:<course slug>/<module
slug>`, `lesson:<course slug>/<lesson slug>` or `quiz:<quiz id>`. Without it, the launch's
target_link_uri is read as one of our pages (a course, lesson or quiz URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Model
from django.urls import Resolver404, resolve, reverse

from courses.models import Course, Lesson, Module
from quizzes.models import Quiz

TARGET_PARAMETER = "elearn_target"
KINDS = ("course", "module", "lesson", "quiz")


@dataclass(frozen=True)
class Target:
    kind: str  # one of KINDS
    course: Course
    item: Model  # the course, module, lesson or quiz

    @property
    def reference(self) -> str:
        """The target as the custom parameter names it."""
        if self.kind == "course":
            return f"course:{self.course.slug}"
        if self.kind == "quiz":
            return f"quiz:{self.item.pk}"
        return f"{self.kind}:{self.course.slug}/{self.item.slug}"

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def graded(self) -> bool:
        """Whether the target has a score for the platform's gradebook: a course (its
        completion) or a quiz (the best score)."""
        return self.kind in ("course", "quiz")

    def get_absolute_url(self) -> str:
        if self.kind == "course":
            return self.course.get_absolute_url()
        if self.kind == "module":
            return f"{self.course.get_absolute_url()}#module-{self.item.slug}"
        if self.kind == "lesson":
            return self.item.get_absolute_url()
        return reverse("quiz-detail", kwargs={"quiz_id": self.item.pk})


def parse_target(reference: object) -> Target | None:
    """The published target a reference names, or None."""
    if not isinstance(reference, str):
        return None
    kind, _sep, rest = reference.strip().partition(":")
    course_slug, _sep, item_slug = rest.partition("/")
    published = Course.objects.filter(published=True)
    if kind == "course" and not item_slug:
        course = published.filter(slug=course_slug).first()
        return Target("course", course, course) if course else None
    if kind == "quiz" and rest.isdigit():
        quiz = Quiz.objects.select_related("course").filter(pk=int(rest)).first()
        if quiz is None or not quiz.course.published:
            return None
        return Target("quiz", quiz.course, quiz)
    if kind in ("module", "lesson") and item_slug:
        model = Module if kind == "module" else Lesson
        item = (
            model.objects.select_related("course")
            .filter(course__in=published, course__slug=course_slug, slug=item_slug)
            .first()
        )
        return Target(kind, item.course, item) if item else None
    return None


def target_of_launch(launch_data: dict) -> Target | None:
    """The target a resource link launch names (see the module's docstring), or None."""
    custom = launch_data.get("https://purl.imsglobal.org/spec/lti/claim/custom")
    if isinstance(custom, dict) and custom.get(TARGET_PARAMETER):
        return parse_target(custom[TARGET_PARAMETER])
    uri = launch_data.get("https://purl.imsglobal.org/spec/lti/claim/target_link_uri")
    return target_of_url(uri) if isinstance(uri, str) else None


def target_of_url(url: str) -> Target | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    kwargs = match.kwargs
    if match.url_name == "course-detail":
        return parse_target(f"course:{kwargs['slug']}")
    if match.url_name == "lesson-detail":
        return parse_target(f"lesson:{kwargs['course_slug']}/{kwargs['lesson_slug']}")
    if match.url_name == "quiz-detail":
        return parse_target(f"quiz:{kwargs['quiz_id']}")
    return None
