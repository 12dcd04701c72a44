"""Certificates: one per enrolment, a snapshot of what it certifies, and its PDF."""

import secrets

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Course, Enrolment

from .exceptions import (
    BatchFinished,
    CertificateNoLongerPending,
    CertificateNotIssued,
    CertificateRevoked,
    RevocationReasonMissing,
)

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 4  # 4 groups of 4 characters: 16 x 5 = 80 random bits


def new_verification_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces, O for 0, I or L for 1) in its stored form."""
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Being issued")
    ISSUED = "issued", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Paper(models.TextChoices):
    A4 = "A4", _("A4 landscape")
    LETTER = "LETTER", _("Letter landscape")


class CertificateTemplate(models.Model):
    """How a course's certificates look and who signs them (defaults apply without one)."""

    course = models.OneToOneField(
        Course, on_delete=models.CASCADE, related_name="certificate_template"
    )
    issuing_organisation = models.CharField(_("issuing organisation"), max_length=200)
    signatory_name = models.CharField(
        _("signatory's name"), max_length=200, blank=True,
        help_text=_("Printed under the signature line. Empty: no name is printed."),
    )  # fmt: skip
    signatory_title = models.CharField(
        _("signatory's title"), max_length=200, blank=True,
        help_text=_("Printed under the name. Empty with no name: no signature line."),
    )  # fmt: skip
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("Empty: 'Certificate of completion'.")
    )
    before_name = models.CharField(
        _("text before the name"), max_length=200, blank=True,
        help_text=_("Empty: 'This is to certify that'."),
    )  # fmt: skip
    primary_colour = models.CharField(_("primary colour"), max_length=7, default="#1F3A5F")
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#B08D57")
    logo = models.FileField(_("logo (PNG)"), upload_to="certificate-logos/", blank=True)
    paper = models.CharField(_("paper"), max_length=8, choices=Paper.choices, default=Paper.A4)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")

    def __str__(self):
        return str(self.course)


class _PerRow(models.Expression):
    """A value for each row of one UPDATE, chosen by primary key: CASE pk WHEN 1 THEN 'a' WHEN 2
    THEN 'b' ... END. Django's Case(When(pk=...)) builds the same SQL through a lookup per row:
    marking 50 certificates issued took 30 ms of processor with it, 3-4 ms with this."""

    output_field = models.CharField()

    def __init__(self, values: dict[int, str]):
        super().__init__()
        self.values = values
        self.pk = models.F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, params = compiler.compile(self.pk)
        for pk, value in self.values.items():
            params = [*params, pk, value]
        return f"CASE {pk_sql}{' WHEN %s THEN %s' * len(self.values)} END", params


class CertificateQuerySet(models.QuerySet):
    def mark_issued(self, stored: list[tuple["Certificate", str, str]]) -> list["Certificate"]:
        """Pending to issued, each (certificate, PDF's stored name, its SHA-256) pointing at
        its PDF: the only write that issues a certificate. Returns those this call moved.

        One locked read, then one UPDATE of those pending, filtered on pending so that the
        guard holds in SQL too (a row count short of the read's is refused): of two deliveries
        of the same work only the first moves a certificate, the second finds it issued (a
        no-op). A revoked certificate is not issued again.
        """
        files = {certificate.pk: (name, digest) for certificate, name, digest in stored}
        # No savepoint inside the caller's transaction (which records the learning records of
        # the same change): a refusal below rolls the whole of it back.
        with transaction.atomic(savepoint=False):
            states = dict(self.select_for_update().filter(pk__in=files).values_list("pk", "status"))
            if CertificateStatus.REVOKED in states.values():
                raise CertificateRevoked()
            moving = [pk for pk, status in states.items() if status == CertificateStatus.PENDING]
            if not moving:
                return []
            issued = {
                "status": CertificateStatus.ISSUED,
                "issued_at": timezone.now(),
                "needs_attention": False,
                "last_error": "",
            }
            count = self.filter(pk__in=moving, status=CertificateStatus.PENDING).update(
                **issued,
                pdf=_PerRow({pk: files[pk][0] for pk in moving}),
                pdf_sha256=_PerRow({pk: files[pk][1] for pk in moving}),
            )
            if count != len(moving):
                raise CertificateNoLongerPending()
        moved = [c for c, _name, _digest in stored if c.pk in moving]
        for certificate in moved:
            certificate.pdf.name, certificate.pdf_sha256 = files[certificate.pk]
            for name, value in issued.items():
                setattr(certificate, name, value)
        return moved


class Certificate(models.Model):
    """What was certified, frozen at issue: later changes to the course or the profile do not
    change a certificate (a re-issue does, keeping the code)."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=19, unique=True,
                            default=new_verification_code, editable=False)  # fmt: skip
    status = models.CharField(
        _("status"), max_length=16, choices=CertificateStatus.choices,
        default=CertificateStatus.PENDING,
    )  # fmt: skip
    participant_name = models.CharField(_("participant's name"), max_length=200)
    course_title = models.CharField(_("course"), max_length=200)
    course_language = models.CharField(_("language"), max_length=8)
    cohort_name = models.CharField(_("cohort"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    issuing_organisation = models.CharField(_("issuing organisation"), max_length=200)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )  # fmt: skip
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Delivery bookkeeping: how often issuing was tried, and whether it gave up.
    attempts = models.PositiveIntegerField(default=0)
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    last_error = models.TextField(blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=CertificateStatus.ISSUED)
                | (models.Q(issued_at__isnull=False) & ~models.Q(pdf_sha256="")),
                name="issued_certificate_has_pdf",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=CertificateStatus.REVOKED)
                | models.Q(revoked_at__isnull=False),
                name="revoked_certificate_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.participant_name}"

    def get_absolute_url(self):
        return reverse("certificate-verify-code", kwargs={"code": self.code})

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.ISSUED

    def revoke(self, *, reason: str, by) -> bool:
        """Issued to revoked, with a reason (shown on verification) and who did it (kept for
        the admin). True if this call made the move; revoking again changes nothing. Call it
        on a row locked for update."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise RevocationReasonMissing()
        if self.status == CertificateStatus.REVOKED:
            return False
        if self.status != CertificateStatus.ISSUED:
            raise CertificateNotIssued()
        self.status = CertificateStatus.REVOKED
        self.revoked_at = timezone.now()
        self.revoke_reason = reason
        self.revoked_by = by
        self.save(update_fields=["status", "revoked_at", "revoke_reason", "revoked_by"])
        return True

    def reissue(self, *, participant_name: str, pdf_name: str, pdf_sha256: str, by) -> bool:
        """Point an issued certificate at a new PDF (same code), keeping what it said before in
        its history. True if this call changed it; the same PDF again changes nothing. Call it
        on a row locked for update."""
        if self.status != CertificateStatus.ISSUED:
            raise CertificateNotIssued()
        if self.pdf_sha256 == pdf_sha256:
            return False
        with transaction.atomic():
            CertificateRevision.objects.create(
                certificate=self,
                participant_name=self.participant_name,
                course_title=self.course_title,
                pdf_name=self.pdf.name,
                pdf_sha256=self.pdf_sha256,
                issued_at=self.issued_at,
                replaced_by=by,
            )
            self.participant_name = participant_name
            self.pdf.name = pdf_name
            self.pdf_sha256 = pdf_sha256
            self.issued_at = timezone.now()
            self.save(update_fields=["participant_name", "pdf", "pdf_sha256", "issued_at"])
        return True


class CertificateRevision(models.Model):
    """What a certificate said before it was re-issued (a corrected name, say): its history."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="revisions")
    participant_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    pdf_name = models.CharField(max_length=255)
    pdf_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at"]
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")

    def __str__(self):
        return f"{self.certificate.code} before {self.replaced_at:%Y-%m-%d}"


class BatchKind(models.TextChoices):
    ISSUE = "issue", _("Issue missing certificates")
    REISSUE = "reissue", _("Re-issue with current names and template")
    ARCHIVE = "archive", _("ZIP of the certificates")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


UNFINISHED_BATCH = [BatchStatus.QUEUED, BatchStatus.RUNNING]


class CertificateBatch(models.Model):
    """Work on all certificates of a cohort at once, done in the background in chunks.

    The row is the truth about the work: what is left (`cursor`: the last enrolment or
    certificate id handled, in id order), how far it is (`done` of `total`) and who holds it
    (`claimed_until`: a worker's lease on the next chunk). A lost message or a killed worker
    leaves the row unfinished, and the sweep hands it to a worker again.
    """

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="certificate_batches",
        verbose_name=_("cohort"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=BatchKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    cursor = models.PositiveBigIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    archive = models.FileField(_("ZIP file"), upload_to="certificate-archives/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind"],
                condition=models.Q(status__in=UNFINISHED_BATCH),
                name="one_unfinished_batch_per_cohort_and_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="batch_done_within_total"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.cohort}"

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == BatchStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def finish(self, *, error: str = "", **fields) -> bool:
        """Unfinished to done (or failed, with an error), releasing the lease; `fields` are
        written with it (the ZIP, the final counts). True if this call finished it; finishing
        again as before changes nothing, finishing it otherwise is refused.

        Written only while the batch still holds the lease it was read with
        (`claimed_until`): a worker slower than its lease, whose batch another worker took
        over meanwhile, finishes nothing (False) and leaves the finishing to that worker.
        """
        status = BatchStatus.FAILED if error else BatchStatus.DONE
        if self.is_finished:
            if self.status == status:
                return False
            raise BatchFinished()
        now = timezone.now()
        changes = {"status": status, "error": error[:2000], "claimed_until": None,
                   "finished_at": now, "updated_at": now, **fields}  # fmt: skip
        held = CertificateBatch.objects.filter(pk=self.pk, claimed_until=self.claimed_until)
        if not held.update(**changes):
            return False
        for name, value in changes.items():
            setattr(self, name, value)
        return True


class IssuingWakeup(models.Model):
    """A single row: when a worker was last asked to issue new certificates without having
    started on them yet (null: nobody has asked since a worker last started).

    Completions ask through it (services.waiting.request_certificate), so that a burst of
    completions sends one message to the workers, not one each. What is to be issued is read
    from the database.
    """

    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request to issue new certificates")
        verbose_name_plural = _("requests to issue new certificates")

    def __str__(self):
        return f"requested at {self.requested_at}" if self.requested_at else "not requested"


# The credentials' models live beside their code (certificates/credentials/); imported here so
# that Django finds them in this app.
from .credentials.models import Credential, SigningKey, StatusIndexCounter  # noqa: E402, F401
