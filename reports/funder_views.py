"""The funder report page for admins (staff): the statistics' filters and a button that makes
the PDF, in the requester's language. Anyone else gets a 404, as on the statistics page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .filters import ReportFilterForm, ReportFilters
from .funder import render_funder_report

TEMPLATE = "reports/funder.html"


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def funder_report(request):
    """GET: the form, filled in from the query string (the statistics page links here with its
    filters). POST: the PDF, or the form with its errors (400) and nothing made."""
    if not request.user.is_staff:
        raise Http404
    if request.method == "GET":
        form = ReportFilterForm(request.GET or None)
        status = 400 if form.is_bound and not form.is_valid() else 200
        return render(request, TEMPLATE, {"form": form}, status=status)
    form = ReportFilterForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    filters = form.filters()
    # Made here, while the request waits, until the export jobs (reports.exports) take it as
    # one more kind ("funder_pdf") made in the background. Bounded for now: the queries are the
    # statistics page's (get_report, a fixed number of aggregates), and the render grows with
    # the report's rows (every country and month at most), not with the enrolments: 0.1 s for
    # 400 enrolments, 0.25 s for 2,600 in every country over ten years of months (11 pages).
    language = translation.get_language() or settings.LANGUAGE_CODE
    pdf = render_funder_report(filters, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, file_name(filters))
    return response


def file_name(filters: ReportFilters) -> str:
    """completion-report_2026-03-01_2026-03-31.pdf (an open end reads "start" or "today")."""
    if not (filters.date_from or filters.date_to):
        return "completion-report.pdf"
    first = filters.date_from.isoformat() if filters.date_from else "start"
    last = filters.date_to.isoformat() if filters.date_to else "today"
    return f"completion-report_{first}_{last}.pdf"
