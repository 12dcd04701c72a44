"""The funder report: a PDF of the completion statistics that a programme officer attaches to a
donor report as it is.

It is made in the background as an export (kind "funder_pdf", reports.exports.kinds), like
the other files prepared there: asked for on the funder page or through the API, emailed when
ready, downloaded by the requester alone, deleted after EXPORT_RETENTION_DAYS.

- `generate`: `render_funder_report(filters, language=...)`, the one way to make it (reads the
  suppressed report in the language, describes the filters in words, renders);
- `render`: the pure renderer, `render_funder_pdf(FunderReportData(...))`: the document;
- `pages`: A4 pages filled from the top down, text fitted and shaped with the certificate's
  machinery (`certificates.pdf.fitting`, `certificates.pdf.shaping`), mirrored right to left;
- `charts`: bar and line charts in reportlab graphics, with shaped labels.
"""

from .generate import describe_filters, render_funder_report
from .render import FunderReportData, render_funder_pdf

__all__ = [
    "FunderReportData",
    "describe_filters",
    "render_funder_pdf",
    "render_funder_report",
]
