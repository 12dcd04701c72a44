"""The structure of a course: Course -> Module -> Lesson (quizzes are in the quizzes app)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
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
    # One level: an original and its translations, each a course of its own (own learners,
    # cohorts and certificates). SET_NULL, not PROTECT: the link only groups versions in the
    # catalogue, so deleting an original leaves its translations standing alone rather than
    # blocking the deletion or taking them with it.
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_("The original course this one translates, if any."),
    )
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
            models.CheckConstraint(
                condition=~models.Q(translation_of=models.F("pk")),
                name="course_not_a_translation_of_itself",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="course_one_translation_per_language",
                violation_error_message=_(
                    "The original course already has a translation in this language."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course-detail", kwargs={"slug": self.slug})

    def clean(self):
        """A translation names an original that is no translation itself, in another language;
        a course with translations is no translation, and none of them is in its language.
        (One translation per language and original: a database constraint.)"""
        super().clean()
        original = self.translation_of
        translations = Course.objects.filter(translation_of=self) if self.pk else None
        if original is None:
            if translations is not None and translations.filter(language=self.language).exists():
                raise ValidationError(
                    {"language": _("A translation of this course is in this language already.")}
                )
            return
        if self.pk is not None and original.pk == self.pk:
            raise ValidationError({"translation_of": _("A course cannot translate itself.")})
        if original.translation_of_id is not None:
            raise ValidationError(
                {
                    "translation_of": ValidationError(
                        _("“%(original)s” is itself a translation: name its original instead."),
                        params={"original": original.slug},
                    )
                }
            )
        if translations is not None and translations.exists():
            raise ValidationError(
                {
                    "translation_of": _(
                        "This course has translations of its own, so it cannot be a translation."
                    )
                }
            )
        if original.language == self.language:
            raise ValidationError(
                {
                    "language": ValidationError(
                        _(
                            "A translation must be in another language than its original, "
                            "“%(original)s”."
                        ),
                        params={"original": original.slug},
                    )
                }
            )

    @property
    def original_course_id(self) -> int:
        """The id of the course's original: its own when it is no translation."""
        return self.translation_of_id or self.pk

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
