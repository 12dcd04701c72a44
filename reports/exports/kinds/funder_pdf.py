"""`funder_pdf`: the funder report (reports.funder.render_funder_report), a PDF of a report's
suppressed statistics in the requester's language. Admins. Aggregate only, as `statistics`.
A document, always prepared in the background: its render takes a while and grows with the
report's rows, and a page or an API call should wait for none of it."""

from __future__ import annotations

from collections.abc import Mapping

from ...filters import ReportFilterForm, ReportFilters
from ...funder import render_funder_report
from ...models import ExportFormat, ExportKind
from .base import FILTERS, Checked, Kind, report_filters, report_form, require_staff


class FunderPdf(Kind):
    name = ExportKind.FUNDER_PDF
    personal = False
    parameters = FILTERS
    formats = (ExportFormat.PDF,)
    is_document = True

    def check(self, user, data: Mapping) -> Checked:
        filters = report_form(user, data, ReportFilterForm).filters()
        return Checked(filters.as_query(), file_stem(filters))

    def document(self, user, parameters: dict, *, language: str) -> bytes:
        require_staff(user)
        return render_funder_report(report_filters(parameters), language=language)


def file_stem(filters: ReportFilters) -> str:
    """completion-report_2026-03-01_2026-03-31 (an open end reads "start" or "today")."""
    if not (filters.date_from or filters.date_to):
        return "completion-report"
    first = filters.date_from.isoformat() if filters.date_from else "start"
    last = filters.date_to.isoformat() if filters.date_to else "today"
    return f"completion-report_{first}_{last}"
