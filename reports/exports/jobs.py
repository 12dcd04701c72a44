"""Asking for an export: small ones are written at once, large ones become a job prepared in the
background, emailed when ready, downloadable by the requester alone for EXPORT_RETENTION_DAYS.

`request_export` is the one way in (the pages and the API call it): it checks the request
(reports.exports.kinds) and counts its rows; up to EXPORT_STREAM_MAX_ROWS it returns an
`Export` to stream now, above that it queues an ExportJob, or returns the same request's
unfinished job (asking twice prepares one file). A document (the funder report's PDF) is
always a job, of one row.

A job is prepared by one task (`run_export`) in one pass, as a certificate ZIP is
(certificates.services.batches): XLSX in constant-memory mode is written in one go, and neither
a local file nor an object in a bucket can be appended to by the next task. The worker holds a
lease on the job, renewed with its progress every PROGRESS_EVERY rows; two deliveries of the
message do not prepare it at once, and a worker killed mid-way leaves it unclaimed, so that the
sweep (`resume_stalled_exports`) hands it to a worker again, up to MAX_ATTEMPTS times. The file
is built beside its final name and published whole (certificates.services.storage), under a
name derived from the job's id, so running the task twice makes one file. It is private: served
only through a view that checks the requester (`open_export_file`), never by a public URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.services.storage import building, publish
from elearn.emails import SWEEPS_GIVE_UP_AFTER
from elearn.errors import DomainError

from ..models import UNFINISHED_EXPORT, ExportFormat, ExportJob, ExportStatus
from .kinds import KINDS, Kind
from .tables import Table
from .writers import XLSX_MAX_ROWS, count_rows, csv_pieces, json_pieces, write_xlsx

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # how long a worker holds a job without reporting progress
STALLED_AFTER = timedelta(minutes=1)  # unfinished, unclaimed, untouched this long: resume it
PROGRESS_EVERY = 2000  # rows between progress reports (each renews the lease)
MAX_ATTEMPTS = 3  # workers that may start on a job (one killing its worker each time fails)
EMAILS_SWEPT_AFTER = timedelta(minutes=5)
EXPORTS_FOLDER = "exports"


class ExportExpired(DomainError):
    code = "expired"
    status_code = 410
    default_message = gettext_lazy(
        "This export has expired and its file was deleted. Ask for the export again."
    )


class ExportNotReady(DomainError):
    code = "not_ready"
    status_code = 409
    default_message = gettext_lazy("This export has no file: it is not ready, or it failed.")


@dataclass(frozen=True)
class Export:
    """A checked export small enough to write at once, for the user who asked."""

    user: object
    kind: Kind
    format: str
    parameters: dict
    file_name: str

    def table(self) -> Table:
        return self.kind.table(self.user, self.parameters)


def request_export(
    user, *, kind: str, format: str, parameters: Mapping, strict: bool = True
) -> Export | ExportJob:
    """Check a request for an export (Http404 when it is out of the user's reach,
    ValidationError naming the field or parameter for bad input); return it to be written at
    once if it has at most EXPORT_STREAM_MAX_ROWS rows, else queue a job (or return the same
    request's unfinished one) and enqueue its task after commit. A document kind is always a
    job. `strict`: refuse parameters the kind does not read (the API) instead of ignoring them
    (pages, which send their whole query string)."""
    if kind not in KINDS:
        raise ValidationError({"kind": [_one_of(KINDS)]})
    definition = KINDS[kind]
    if format not in definition.formats:
        raise ValidationError({"format": [_one_of(definition.formats)]})
    parameters = _plain_parameters(definition, parameters, strict=strict)
    checked = definition.check(user, parameters)
    file_name = f"{checked.file_stem}.{format}"
    if definition.is_document:
        return _start_job(user, definition, format, checked.parameters, file_name, rows=1)
    rows = 0 if definition.always_small else definition.count(checked.parameters)
    if format == ExportFormat.XLSX and rows >= XLSX_MAX_ROWS:
        raise ValidationError({"format": [_("More rows than a spreadsheet can hold: choose CSV.")]})
    if rows <= settings.EXPORT_STREAM_MAX_ROWS:
        return Export(user, definition, format, checked.parameters, file_name)
    return _start_job(user, definition, format, checked.parameters, file_name, rows=rows)


def _one_of(names) -> str:
    return _("Choose one of: %(names)s.") % {"names": ", ".join(names)}


def _plain_parameters(kind: Kind, parameters: Mapping, *, strict: bool) -> dict[str, str]:
    """The parameters as text, those the kind reads; with `strict`, any other is an error."""
    if not isinstance(parameters, Mapping):
        raise ValidationError({"parameters": [_("Give an object of parameter names and values.")]})
    plain, errors = {}, []
    for name in parameters:
        if name not in kind.parameters:
            if strict:
                errors.append(
                    _("Unknown parameter “%(name)s”: %(kind)s reads %(known)s.")
                    % {"name": name, "kind": kind.name, "known": ", ".join(kind.parameters)}
                )
            continue
        value = parameters[name]
        if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int))):
            errors.append(_("“%(name)s” must be text or a number.") % {"name": name})
            continue
        plain[name] = "" if value is None else str(value)
    if errors:
        raise ValidationError({"parameters": errors})
    return plain


def _request_key(kind: str, format: str, parameters: dict, language: str) -> str:
    text = json.dumps([kind, format, parameters, language], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _start_job(user, kind: Kind, format: str, parameters: dict, file_name: str, *, rows: int):
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _request_key(kind.name, format, parameters, language)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                requested_by=user, kind=kind.name, format=format, parameters=parameters,
                language=language, request_key=key, rows_total=rows, file_name=file_name,
            )  # fmt: skip
            transaction.on_commit(lambda: _enqueue(job.pk))
    except IntegrityError:  # the same request is unfinished: that is the one
        return ExportJob.objects.get(
            requested_by=user, request_key=key, status__in=UNFINISHED_EXPORT
        )
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_export_task  # the tasks module imports this one

    run_export_task.delay(job_id)


def get_export_job(user, job_id: int) -> ExportJob:
    """The user's own export job; Http404 for anyone else's (staff included) or none."""
    if not user.is_authenticated:
        raise Http404("No such export.")
    job = ExportJob.objects.filter(pk=job_id, requested_by=user).first()
    if job is None:
        raise Http404("No such export.")
    return job


def list_export_jobs(user) -> QuerySet[ExportJob]:
    """The user's export jobs, newest first."""
    return ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")


def open_export_file(user, job_id: int):
    """The file of the user's finished export, open for reading, and its job: Http404 if it is
    not theirs or they may no longer see what it holds (a facilitator removed from the
    cohort), ExportExpired once past its expiry, ExportNotReady before it is ready or when it
    failed."""
    job = get_export_job(user, job_id)
    if job.is_expired:
        raise ExportExpired()
    if job.status != ExportStatus.DONE or not job.file:
        raise ExportNotReady()
    # Http404 if they lost access; not a ValidationError (a course deleted since, say): the
    # file holds what was asked for then.
    with contextlib.suppress(ValidationError):
        KINDS[job.kind].check(user, job.parameters)
    try:
        return job.file.open("rb"), job
    except OSError:  # the storage lost it
        raise Http404("No such export.") from None


def file_name_of(job: ExportJob) -> str:
    """Where a job's file is stored: from its id, so that preparing it twice makes one file,
    and a key only the server can make, so that its name gives nothing away."""
    key = salted_hmac("reports.exports.file", str(job.pk)).hexdigest()[:24]
    return f"{EXPORTS_FOLDER}/{job.pk}-{key}.{job.format}"


class _LeaseLost(Exception):
    """Another worker took the job over (this one was slower than its lease)."""


class _Lease:
    def __init__(self, job: ExportJob):
        self.job_id = job.pk
        self.until = job.claimed_until
        self.done = 0

    def report(self, done: int) -> None:
        """Record progress and keep the lease, or stop if it was taken over."""
        now = timezone.now()
        held = ExportJob.objects.filter(pk=self.job_id, claimed_until=self.until).update(
            rows_done=done, rows_total=Greatest("rows_total", Value(done)),
            claimed_until=now + LEASE, updated_at=now,
        )  # fmt: skip
        if not held:
            raise _LeaseLost()
        self.until = now + LEASE
        self.done = done


def run_export(job_id: int) -> bool:
    """Prepare a job's file if it is unfinished and no other worker holds it; True if this
    call finished it. Access is checked again, as the requester: one who may no longer have
    it gets a failed job. The requester is emailed (after commit) once it is ready.
    OSError (storage) is raised after the job is released, for the task to retry."""
    job = _claim(job_id)
    if job is None:
        return False
    if job.attempts > MAX_ATTEMPTS:
        record_export_failure(job.pk, f"Stopped after {MAX_ATTEMPTS} attempts that did not finish.")
        return False
    kind = KINDS[job.kind]
    lease = _Lease(job)
    name = file_name_of(job)
    started = time.monotonic()
    try:
        with translation.override(job.language):
            try:
                kind.check(job.requested_by, job.parameters)
                if kind.is_document:
                    content = kind.document(job.requested_by, job.parameters, language=job.language)
                else:
                    table = kind.table(job.requested_by, job.parameters)
            except (Http404, ValidationError) as error:
                record_export_failure(job.pk, f"No longer possible for its requester: {error!r}")
                return False
            with building(name) as (handle, path):
                if kind.is_document:
                    handle.write(content)
                    lease.report(1)  # its one row, and the lease still held
                else:
                    # The rows, counted as they are written; not the database's CSV lines
                    # (reports.exports.pg_copy): a COPY would hold the connection progress is
                    # written on.
                    rows = count_rows(table.rows, lease.report, every=PROGRESS_EVERY)
                    _write(job, kind, Table(table.columns, rows), handle)
                stored = publish(name, handle, path)
    except _LeaseLost:
        logger.warning("export %s: taken over by another worker", job_id)
        return False
    except OSError:
        logger.exception("export %s: storage failed; to be retried", job_id)
        ExportJob.objects.filter(pk=job_id, claimed_until=lease.until).update(
            status=ExportStatus.QUEUED, claimed_until=None, updated_at=timezone.now()
        )
        raise
    except Exception as error:  # a bug or bad data: retrying cannot help, a person must look
        logger.exception("export %s failed", job_id)
        record_export_failure(job_id, repr(error))
        return False
    written = lease.done  # the rows counted to the end
    now = timezone.now()
    finished = ExportJob.objects.filter(pk=job_id, claimed_until=lease.until).update(
        status=ExportStatus.DONE, file=stored, rows_done=written, rows_total=written,
        claimed_until=None, finished_at=now, updated_at=now, error="",
        expires_at=now + timedelta(days=settings.EXPORT_RETENTION_DAYS),
    )  # fmt: skip
    if not finished:  # taken over at the last moment: the other worker's file is the one
        if stored != name:
            default_storage.delete(stored)
        return False
    logger.info("export %s: %s rows in %.1f s", job_id, written, time.monotonic() - started)
    transaction.on_commit(lambda: _enqueue_email(job_id))
    return True


def _write(job: ExportJob, kind: Kind, table: Table, handle) -> None:
    """Write the table to the open file in the job's format."""
    if job.format == ExportFormat.XLSX:
        write_xlsx(table, handle, sheet=str(kind.label))
        return
    if job.format == ExportFormat.CSV:
        pieces = csv_pieces(table)
    else:
        pieces = json_pieces(table, kind=kind.name)
    for piece in pieces:
        handle.write(piece)


def _claim(job_id: int) -> ExportJob | None:
    """Take the lease on an unfinished job nobody holds; None if finished or held."""
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id, status__in=UNFINISHED_EXPORT)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            status=ExportStatus.RUNNING,
            claimed_until=now + LEASE,
            rows_done=0,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if not claimed:
        return None
    return ExportJob.objects.select_related("requested_by").get(pk=job_id)


def record_export_failure(job_id: int, error: str) -> None:
    """The job failed (its requester sees why on their exports page); its lease is let go."""
    now = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.FAILED, error=error[:2000], claimed_until=None, finished_at=now,
        updated_at=now,
    )  # fmt: skip


def _enqueue_email(job_id: int) -> None:
    from .tasks import send_export_ready_email_task

    send_export_ready_email_task.delay(job_id)


def list_stalled_exports() -> QuerySet[ExportJob]:
    """Unfinished jobs nobody holds that nothing has touched for STALLED_AFTER: their message
    was lost (an embedded broker) or their worker killed."""
    now = timezone.now()
    return ExportJob.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status__in=UNFINISHED_EXPORT,
        updated_at__lt=now - STALLED_AFTER,
    )


def list_exports_not_emailed() -> QuerySet[ExportJob]:
    """Ready exports whose requester was not told EMAILS_SWEPT_AFTER after, within a day."""
    now = timezone.now()
    return ExportJob.objects.filter(
        status=ExportStatus.DONE,
        emailed_at__isnull=True,
        finished_at__lt=now - EMAILS_SWEPT_AFTER,
        finished_at__gte=now - SWEEPS_GIVE_UP_AFTER,
    )


def resume_stalled_exports() -> int:
    """Enqueue again what the database, not the broker, says is pending: stalled jobs, and the
    emails of ready exports not sent. Returns how many jobs."""
    from .tasks import run_export_task, send_export_ready_email_task

    stalled = list(list_stalled_exports().values_list("pk", flat=True))
    for job_id in stalled:
        run_export_task.delay(job_id)
    for job_id in list_exports_not_emailed().values_list("pk", flat=True):
        send_export_ready_email_task.delay(job_id)
    return len(stalled)


def purge_expired_exports(*, now=None) -> int:
    """Delete the files of exports past their expiry (the job stays, expired, so that its link
    answers 410), and files a killed worker left half-built a day ago. Returns how many
    exports expired."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now).iterator():
        if job.file:
            default_storage.delete(job.file.name)
        expired += ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file="", updated_at=now
        )
    _remove_leftovers(older_than=now - timedelta(days=1))
    return expired


def _remove_leftovers(*, older_than) -> None:
    """Half-built files (storage.building's `.partial-`) of workers killed while writing.
    Local storage only: an object store shows an upload only once it is complete."""
    if not isinstance(default_storage, FileSystemStorage):
        return
    folder = Path(default_storage.path(EXPORTS_FOLDER))
    if not folder.is_dir():
        return
    for path in folder.glob(".partial-*"):
        try:
            if path.stat().st_mtime < older_than.timestamp():
                path.unlink()
        except FileNotFoundError:
            pass
