"""Pages of exports: asking for one (the forms of reports/_export_links.html, on the pages that
show the data), the list of one's exports with their progress, and the download of a file.

Everything goes through reports.exports.jobs.request_export: a small export is the response
itself; a large one, or a document (the funder report's PDF, asked for on its own page),
becomes a job, and the requester is sent to their exports page (`redirect_to_job`). A request
out of the user's reach is a 404, as the page it comes from would be.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from elearn.errors import DomainError

from ..models import ExportJob
from .jobs import Export, list_export_jobs, open_export_file, request_export
from .kinds import KINDS
from .responses import export_response, job_file_response

RECENT = 50  # jobs listed
# What the forms send besides the export's parameters.
_NOT_PARAMETERS = {"csrfmiddlewaretoken", "kind", "format"}


@login_required
@require_http_methods(["GET", "POST"])
def exports(request):
    """GET: the user's exports, newest first. POST: ask for one (kind, format and its
    parameters): the file at once, or a job and back here."""
    if request.method == "POST":
        return _ask(request)
    return _list(request)


def _list(request, *, errors=None, status=200):
    jobs = list(list_export_jobs(request.user)[:RECENT])
    context = {
        "jobs": jobs,
        "unfinished": any(not job.is_finished for job in jobs),
        "retention_days": settings.EXPORT_RETENTION_DAYS,
        "stream_max_rows": settings.EXPORT_STREAM_MAX_ROWS,
        "errors": errors or [],
    }
    return render(request, "reports/exports.html", context, status=status)


def _ask(request):
    data = request.POST
    parameters = {name: data[name] for name in data if name not in _NOT_PARAMETERS}
    asked_at = timezone.now()
    try:
        result = request_export(
            request.user,
            kind=data.get("kind", ""),
            format=data.get("format", ""),
            parameters=parameters,
            strict=False,
        )
    except ValidationError as error:
        errors = [
            f"{name}: {message}" if name != "__all__" else message
            for name, field_errors in error.message_dict.items()
            for message in field_errors
        ]
        return _list(request, errors=errors, status=400)
    if isinstance(result, Export):
        return export_response(result)
    return redirect_to_job(request, result, asked_at=asked_at)


def redirect_to_job(request, job: ExportJob, *, asked_at: datetime) -> HttpResponseRedirect:
    """After asking for an export that became a job (here, or on the funder report's page): to
    the job on the exports page (303: a reload does not ask again), with a message saying it is
    being prepared, or was already (created before `asked_at`: the same request unfinished)."""
    kind = KINDS[job.kind]
    if job.created_at < asked_at:
        messages.info(
            request, _("This export is already being prepared: its progress shows below.")
        )
    elif kind.is_document:
        messages.success(
            request,
            _(
                "%(kind)s: the file is being prepared in the background. It will be listed "
                "below when it is ready, and you will get an email."
            )
            % {"kind": kind.label},
        )
    else:
        messages.success(
            request,
            _(
                "%(kind)s: %(rows)s rows are too many to send at once, so the file is being "
                "prepared in the background. It will be listed below when it is ready, and you "
                "will get an email."
            )
            % {"kind": kind.label, "rows": job.rows_total},
        )
    response = HttpResponseRedirect(reverse("reports-exports") + f"#export-{job.pk}")
    response.status_code = 303
    return response


@login_required
@require_GET
def download(request, job_id):
    """The file of one's own finished export; anyone else's is a 404, an expired one a 410."""
    try:
        handle, job = open_export_file(request.user, job_id)
    except DomainError as error:
        context = {"message": error.message, "expired": error.status_code == 410}
        return render(
            request, "reports/exports_unavailable.html", context, status=error.status_code
        )
    return job_file_response(handle, job)
