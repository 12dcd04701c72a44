"""The funder report: a PDF of the completion statistics that a programme officer attaches to a
donor report as it is.

- `generate`: `render_funder_report(filters, language=...)`, the one way to make it (reads the
  suppressed report in the language, describes the filters in words, renders); stored filters
  checked again (`funder_report_filters`);
- `render`: the pure renderer, `render_funder_pdf(FunderReportData(...))`: the document;
- `pages`: A4 pages filled from the top down, text fitted and shaped with the certificate's
  machinery (`certificates.pdf.fitting`, `certificates.pdf.shaping`), mirrored right to left;
- `charts`: bar and line charts in reportlab graphics, with shaped labels;
- `tasks`: `generate_funder_report_task`, rendering it in the background.
"""

from .generate import (
    InvalidFilters,
    describe_filters,
    funder_report_filters,
    render_funder_report,
)
from .render import FunderReportData, render_funder_pdf

__all__ = [
    "FunderReportData",
    "InvalidFilters",
    "describe_filters",
    "funder_report_filters",
    "render_funder_pdf",
    "render_funder_report",
]
