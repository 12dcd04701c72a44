"""What a participant has done: completed lessons and opened ones. Progress belongs to the
participant and the lesson, not to an enrolment, so it follows them from one cohort to another."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .structure import Lesson


class LessonCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    # Set once, on the transition: completing a lesson again changes nothing.
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_completion_per_lesson"),
        ]

    def __str__(self):
        return f"{self.user}: {self.lesson}"


class LessonVisit(models.Model):
    """A participant's visits to a lesson: the first, the last and how many (a visit counts
    when they open the lesson after another page of the course, not on a reload)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_visits"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="visits")
    first_visited_at = models.DateTimeField(_("first visited at"))
    last_visited_at = models.DateTimeField(_("last visited at"))
    visits = models.PositiveIntegerField(_("visits"), default=1)

    class Meta:
        verbose_name = _("lesson visit")
        verbose_name_plural = _("lesson visits")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_visit_row_per_lesson"),
        ]

    def __str__(self):
        return f"{self.user}: {self.lesson}"


class ActivityMonth(models.Model):
    """A month in which a participant was active on a course: completed a lesson or started a
    quiz attempt. A roll-up of LessonCompletion and Attempt, written beside them by
    record_lesson_completion and start_attempt, so that the statistics count active
    participants per month from one small table instead of deduplicating every completion and
    attempt (the 1 s target of the statistics page for 100,000 enrolments, bench/reports.py).
    `month` is the first moment of the month in the site's time zone (what TruncMonth gives).
    rebuild_activity_months() writes it again from the records themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_months"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="activity_months"
    )
    month = models.DateTimeField(_("month"))

    class Meta:
        verbose_name = _("month of activity")
        verbose_name_plural = _("months of activity")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "month"], name="one_activity_row_per_month"
            ),
        ]
        indexes = [models.Index(fields=["month"], name="activity_month_month")]

    def __str__(self):
        return f"{self.user}: {self.course} ({self.month:%Y-%m})"
