"""Exports prepared in the background (reports.exports.jobs): one row per request, the truth
about the work, whatever the broker did with its message."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    """What can be exported (reports.exports.kinds says how, and who may)."""

    COHORT_PROGRESS = "cohort_progress", _("Progress of a cohort")
    COMPLETIONS = "completions", _("Enrolments and completions")
    STATISTICS = "statistics", _("Completion statistics")
    ITEM_ANALYSIS = "item_analysis", _("Question analysis")
    FUNDER_PDF = "funder_pdf", _("Funder report (PDF)")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (XLSX)")
    JSON = "json", "JSON"
    PDF = "pdf", "PDF"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


UNFINISHED_EXPORT = [ExportStatus.QUEUED, ExportStatus.RUNNING]


class ExportJob(models.Model):
    """An export too large to stream, prepared by a worker into a private file.

    The row says what is left to do and who holds it: `claimed_until` is a worker's lease, renewed
    as rows are written (`rows_done` of `rows_total`). A lost message or a killed worker leaves
    the job unfinished and unclaimed, and the sweep hands it to a worker again. The file is only
    for the requester, until `expires_at`; then the purge deletes it and the job is expired.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs",
        verbose_name=_("requested by"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=32, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    # Checked and in canonical form (reports.exports.kinds): the request, as a worker reads it.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # Headings and labels are written in the language the export was asked for in.
    language = models.CharField(_("language"), max_length=10)
    # The same request (requester, kind, format, parameters, language) while one is unfinished
    # is that job: pressing twice prepares one file.
    request_key = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # workers that started on it
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "request_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_unfinished_export_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="export_rows_done_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="export_status_expiry"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format}) for {self.requested_by_id}"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED_EXPORT

    @property
    def is_expired(self) -> bool:
        """Expired, or past its expiry and not purged yet."""
        if self.status == ExportStatus.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def counts_rows(self) -> bool:
        """A table (CSV, XLSX, JSON) whose progress is in rows; a document (the funder report's
        PDF) has no rows to count."""
        return self.format != ExportFormat.PDF

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file) and not self.is_expired

    @property
    def percent(self) -> int:
        if self.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return 100
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
