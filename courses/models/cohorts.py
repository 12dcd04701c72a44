"""Cohorts (runs of a course) and enrolments in them."""

import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..exceptions import EnrolmentCompleted, EnrolmentWithdrawn
from .structure import Course, Lesson, Module


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone (for example Africa/Nairobi)."),
            params={"value": value},
        ) from None


class Cohort(models.Model):
    """A run of a course. Every published course has one self-paced default cohort."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default self-paced cohort"), default=False, editable=False)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    enrolment_open = models.BooleanField(_("enrolment open"), default=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The most active participants at once; empty for no limit."),
    )
    enrolment_key = models.CharField(
        _("enrolment key"),
        max_length=64,
        blank=True,
        help_text=_("If set, participants must give it to enrol themselves."),
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_cohorts",
        verbose_name=_("facilitators"),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    certificates_at_close = models.BooleanField(
        _("certificates when the cohort closes"),
        default=False,
        help_text=_(
            "Off: each participant receives a certificate on completing the course. On: the "
            "cohort's certificates are issued together when a facilitator closes the cohort."
        ),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    at_risk_after_days = models.PositiveSmallIntegerField(
        _("at risk after (days without activity)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A participant who has not completed the course is shown as at risk on the "
            "dashboard after this many days without activity, or once behind a module's due date."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "starts_on", "name", "id"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(is_default=True),
                name="one_default_cohort_per_course",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="cohort_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_after_days__gte=1), name="cohort_at_risk_after_positive"
            ),
        ]

    def __str__(self):
        return f"{self.course}: {self.name}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A cohort cannot end before it starts.")})

    @property
    def is_self_paced(self) -> bool:
        return self.starts_on is None and self.ends_on is None

    def has_ended(self) -> bool:
        """Whether the cohort's last day is over where the cohort runs (its time zone)."""
        if self.ends_on is None:
            return False
        return self.ends_on < timezone.localdate(timezone=zoneinfo.ZoneInfo(self.time_zone))

    def accepts_self_enrolment(self) -> bool:
        """Whether participants may enrol themselves now (a key and a free place apart): the
        course published, enrolment open, the cohort not ended."""
        return self.course.published and self.enrolment_open and not self.has_ended()

    @property
    def holds_certificates(self) -> bool:
        """Whether completions wait for the cohort to close before a certificate is issued."""
        return self.certificates_at_close and self.closed_at is None


class ModuleDueDate(models.Model):
    """When a cohort should have finished a module (shown to participants, used for nudges)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="due_dates")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="due_dates")
    due_on = models.DateField(_("due on"))

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("module due date")
        verbose_name_plural = _("module due dates")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "module"], name="one_due_date_per_module"),
        ]

    def __str__(self):
        return f"{self.module}: {self.due_on}"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(models.Model):
    """A participant in a cohort. At most one enrolment per participant and course is not
    withdrawn; progress belongs to the participant and course, so it survives a move."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    # `course` repeats cohort.course for the one-enrolment-per-course constraint.
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrolments", editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last time the participant did something in the course (opened a lesson, completed
    # one, worked on a quiz), to the quarter of an hour: for facilitators' "at risk".
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who enrolled the participant, when it was not themselves."),
    )
    # The enrolment's identity outside the platform: the xAPI statements' registration.
    registration = models.UUIDField(
        _("registration"), default=uuid.uuid4, unique=True, editable=False
    )

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="one_enrolment_per_cohort"),
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=~Q(status=EnrolmentStatus.WITHDRAWN),
                name="one_current_enrolment_per_course",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrolmentStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="completed_enrolment_has_completion_time",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"]),
            # Recent completions, for certificates issued together (certificates.services).
            models.Index(fields=["status", "completed_at"]),
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort}"

    # The moves between states. Each saves only what it changes, returns True if this call
    # made the move and False if the enrolment was there already, and raises a DomainError for
    # a move it cannot make. Call them on a row locked for update (the services do).

    def complete(self) -> bool:
        """Active to completed, the completion time set now. Progress only moves forward:
        completing a completed enrolment changes nothing (its completion time stays the first);
        a withdrawn one is refused (EnrolmentWithdrawn)."""
        if self.status == EnrolmentStatus.COMPLETED:
            return False
        if self.status == EnrolmentStatus.WITHDRAWN:
            raise EnrolmentWithdrawn()
        self.status = EnrolmentStatus.COMPLETED
        self.completed_at = timezone.now()
        self.save(update_fields=["status", "completed_at"])
        return True

    def withdraw(self) -> bool:
        """Active to withdrawn, the time kept (progress stays: it is the participant's).
        Withdrawing a withdrawn enrolment changes nothing; a completed one is refused
        (EnrolmentCompleted)."""
        if self.status == EnrolmentStatus.WITHDRAWN:
            return False
        if self.status == EnrolmentStatus.COMPLETED:
            raise EnrolmentCompleted()
        self.status = EnrolmentStatus.WITHDRAWN
        self.withdrawn_at = timezone.now()
        self.save(update_fields=["status", "withdrawn_at"])
        return True

    def rejoin(self) -> bool:
        """Withdrawn to active again. Rejoining a current enrolment (active or completed)
        changes nothing: it is where rejoining leads already. Whether the participant may come
        back (the cohort open, a place free) is enrol's to decide."""
        if self.status != EnrolmentStatus.WITHDRAWN:
            return False
        self.status = EnrolmentStatus.ACTIVE
        self.withdrawn_at = None
        self.save(update_fields=["status", "withdrawn_at"])
        return True


class DueDateExtension(models.Model):
    """A later due date for one participant and module, granted by a facilitator: it takes
    the place of the cohort's date for that participant (My learning, at risk, nudges)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="due_date_extensions"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(_("due on"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("granted by"),
    )  # fmt: skip
    granted_at = models.DateTimeField(_("granted at"), auto_now=True)

    class Meta:
        verbose_name = _("due date extension")
        verbose_name_plural = _("due date extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "module"], name="one_extension_per_enrolment_module"
            ),
        ]

    def __str__(self):
        return f"{self.enrolment}: {self.module} by {self.due_on}"


class Invitation(models.Model):
    """An address enrolled in a cohort before it has an account: enrolled on sign-up."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "email"], name="one_invitation_per_address"),
        ]

    def __str__(self):
        return f"{self.email} to {self.cohort}"


def new_upload_token() -> str:
    return secrets.token_urlsafe(16)


class EnrolmentUpload(models.Model):
    """A checked CSV of addresses waiting for a facilitator's confirmation (the preview).

    Applying it enrols every row or none; the rows are stored so that what is confirmed is
    exactly what was previewed.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True, default=new_upload_token)
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"upload {self.pk} to {self.cohort}"
