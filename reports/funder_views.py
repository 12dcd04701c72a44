"""The funder report page for admins (staff): the statistics' filters and a button that asks
for the PDF, prepared in the background as an export (kind "funder_pdf", reports.exports) in
the requester's language. Anyone else gets a 404, as on the statistics page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .exports.jobs import request_export
from .exports.views import redirect_to_job
from .filters import ReportFilterForm
from .models import ExportFormat, ExportKind

TEMPLATE = "reports/funder.html"


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def funder_report(request):
    """GET: the form, filled in from the query string (the statistics page links here with its
    filters). POST: a job making the PDF (the same one if it is already being made), and off
    to the exports page; or the form with its errors (400) and nothing asked for."""
    if not request.user.is_staff:
        raise Http404
    if request.method == "GET":
        form = ReportFilterForm(request.GET or None)
        status = 400 if form.is_bound and not form.is_valid() else 200
        return render(request, TEMPLATE, {"form": form}, status=status)
    form = ReportFilterForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    asked_at = timezone.now()
    job = request_export(
        request.user, kind=ExportKind.FUNDER_PDF, format=ExportFormat.PDF,
        parameters=form.filters().as_query(),
    )  # fmt: skip
    return redirect_to_job(request, job, asked_at=asked_at)
