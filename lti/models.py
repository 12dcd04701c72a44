"""What the LTI tool keeps beside django-lti's models (lti_tool: registrations, deployments,
keys, and the platform's users, contexts and memberships as launches describe them).

The platform's user (lti_tool.LtiUser, one per registration and `sub`) names the account it
signed in as in `auth_user`: later launches go by `sub`, never by email again.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lti_tool.models import LtiContext, LtiRegistration, LtiUser

from courses.models import Cohort, Course
from elearn.outbox import OutboxItem
from quizzes.models import Quiz


class CohortLink(models.Model):
    """A context on the platform (a course there) mapped to the cohort of one of our courses
    its links open: created on the first launch, its instructors the cohort's facilitators."""

    context = models.ForeignKey(
        LtiContext, on_delete=models.CASCADE, related_name="cohort_links", verbose_name=_("context")
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, verbose_name=_("course"))
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="lti_links", verbose_name=_("cohort")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("LTI cohort link")
        verbose_name_plural = _("LTI cohort links")
        constraints = [
            models.UniqueConstraint(fields=["context", "course"], name="lti_one_cohort_per_context")
        ]

    def __str__(self):
        return f"{self.context} → {self.cohort}"


class GradeLink(models.Model):
    """Where a participant's score goes on the platform: the line item (a gradebook column) of
    the resource link they launched, for a course (its completion) or a quiz (its best score)."""

    lti_user = models.ForeignKey(
        LtiUser, on_delete=models.CASCADE, related_name="grade_links", verbose_name=_("LTI user")
    )
    # The account, repeated from lti_user.auth_user: what a submission asks, in one query.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lti_grade_links",
        verbose_name=_("user"),
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, verbose_name=_("course"))
    quiz = models.ForeignKey(
        Quiz,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("quiz"),
        help_text=_("Empty: the course's completion."),
    )
    lineitem_url = models.URLField(_("line item URL"), max_length=1000)
    scopes = models.JSONField(_("AGS scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("LTI grade link")
        verbose_name_plural = _("LTI grade links")
        constraints = [
            models.UniqueConstraint(
                fields=["lti_user", "lineitem_url"], name="lti_one_link_per_line_item"
            )
        ]
        indexes = [models.Index(fields=["user", "course"], name="lti_gradelink_user_course")]

    def __str__(self):
        return self.lineitem_url


class ActivityProgress(models.TextChoices):
    COMPLETED = "Completed"
    SUBMITTED = "Submitted"


class Score(OutboxItem):
    """One score owed to a platform (AGS), or sent: written in the transaction of the event
    (a course completed, a quiz submitted), so the database says what is owed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    grade_link = models.ForeignKey(
        GradeLink, on_delete=models.CASCADE, related_name="scores", verbose_name=_("grade link")
    )
    score_given = models.DecimalField(_("score given"), max_digits=8, decimal_places=2)
    score_maximum = models.DecimalField(_("score maximum"), max_digits=8, decimal_places=2)
    activity_progress = models.CharField(
        _("activity progress"), max_length=16, choices=ActivityProgress.choices
    )
    grading_progress = models.CharField(_("grading progress"), max_length=16, default="FullyGraded")
    # When it happened: the platform keeps the score with the latest timestamp.
    timestamp = models.DateTimeField(_("timestamp"))

    class Meta(OutboxItem.Meta):
        verbose_name = _("LTI score")
        verbose_name_plural = _("LTI scores")

    def __str__(self):
        return f"{self.score_given}/{self.score_maximum} → {self.grade_link}"


class UsedNonce(models.Model):
    """A launch's nonce, once accepted: the same id_token posted again is refused (pylti1p3
    checks that the nonce was issued, not that it was used once)."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "nonce"], name="lti_nonce_used_once")
        ]

    def __str__(self):
        return self.nonce
