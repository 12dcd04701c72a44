"""Exports as HTTP responses, for the pages and the API alike: a small export written as it is
sent, and a job's file."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from ..models import ExportFormat, ExportJob
from .jobs import Export
from .writers import csv_pieces, json_pieces, write_xlsx

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
    ExportFormat.PDF: "application/pdf",
}


def export_response(export: Export):
    """The export, written while it is sent. CSV and JSON are streamed from the rows as the
    database gives them (a server-side cursor on PostgreSQL): memory holds a few hundred rows.
    XLSX is a ZIP whose index comes last, so it is written first, in constant-memory mode, to
    a temporary file on disk, then streamed from it: memory stays bounded there too."""
    table = export.table()
    if export.format == ExportFormat.XLSX:
        # Closed by the response once sent (or here, if writing fails).
        handle = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            write_xlsx(table, handle, sheet=str(export.kind.label))
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        response = FileResponse(
            handle, as_attachment=True, filename=export.file_name,
            content_type=CONTENT_TYPES[ExportFormat.XLSX],
        )  # fmt: skip
    else:
        if export.format == ExportFormat.CSV:
            pieces = csv_pieces(table)
        else:
            pieces = json_pieces(table, kind=export.kind.name)
        response = StreamingHttpResponse(
            _in_language(translation.get_language(), pieces),
            content_type=CONTENT_TYPES[export.format],
        )
        response["Content-Disposition"] = content_disposition_header(True, export.file_name)
    return _private(response)


def job_file_response(handle, job: ExportJob):
    """A finished job's file, as a download."""
    response = FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=CONTENT_TYPES[job.format]
    )
    return _private(response)


def _in_language(language: str | None, pieces):
    """The pieces, written in the request's language even after the view has returned."""
    with translation.override(language):
        yield from pieces


def _private(response):
    # Personal data, or figures for one requester: never kept by a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
