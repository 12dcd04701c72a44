"""The structure of a course: Course -> Module -> Lesson (quizzes are in the quizzes app)."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ..markdown import render_markdown


def new_outline_key() -> str:
    return uuid.uuid4().hex


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published courses; admins (staff) also see unpublished ones."""
        if user.is_authenticated and user.is_staff:
            return self
        return self.filter(published=True)


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"),
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    published = models.BooleanField(_("published"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    # A new random value on every change to the course's modules, lessons and quizzes: it names
    # the cached outline (courses.outline), so a changed course is never served a stale one.
    outline_key = models.CharField(max_length=32, default=new_outline_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_hours__gte=0), name="course_hours_not_negative"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course-detail", kwargs={"slug": self.slug})

    @property
    def text_direction(self) -> str:
        """ "rtl" or "ltr": the direction of the course's own text, whatever the interface's."""
        return "rtl" if get_language_info(self.language)["bidi"] else "ltr"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(_("slug"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique_in_course"),
        ]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    # `course` repeats module.course so that lesson slugs can be unique per course in the
    # database and a lesson URL resolves in one query; save() keeps the two in step.
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", editable=False
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=5)
    order = models.PositiveIntegerField(_("order"), default=0)
    optional = models.BooleanField(
        _("optional"), default=False, help_text=_("Not needed to complete the course.")
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lesson_slug_unique_in_course"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Derived fields, kept in step on every write path (admin, import, shell).
        self.course_id = self.module.course_id
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "lesson-detail", kwargs={"course_slug": self.course.slug, "lesson_slug": self.slug}
        )
