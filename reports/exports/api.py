"""Exports in the API, for BI tools and scripts (session or token): ask for one, follow a job,
download its file. The same service and rules as the pages (reports.exports.jobs).

`POST /api/v1/exports/` answers with the export itself (200, CSV, XLSX or JSON) when it has at
most EXPORT_STREAM_MAX_ROWS rows, so that a tool needs one request; above that, and always for
the funder report's PDF, with a job (201), to follow at `GET /api/v1/exports/{id}/` until its
`download_url` is set. JSON, small or large,
is one object: {"kind", "columns", "rows"}, rows as objects keyed by column (not paginated: a
page of a table that changes between requests would not add up).
"""

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, renderers, serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from elearn.schema import ERROR, domain_errors

from ..models import ExportFormat, ExportJob, ExportKind
from .jobs import (
    Export,
    ExportExpired,
    ExportNotReady,
    get_export_job,
    open_export_file,
    request_export,
)
from .responses import CONTENT_TYPES, export_response, job_file_response

XLSX_TYPE = CONTENT_TYPES[ExportFormat.XLSX]
PDF_TYPE = CONTENT_TYPES[ExportFormat.PDF]


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's media type in `Accept` (the file itself is the view's
    own response)."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"


class PdfRenderer(_FileRenderer):
    media_type = PDF_TYPE
    format = "pdf"


class _FileView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer, PdfRenderer]

    def handle_exception(self, exc):
        # Errors are JSON ({"code", "detail"}) even for a client that asked for a file only.
        self._answer_in_json()
        return super().handle_exception(exc)

    def _answer_in_json(self):
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type


PARAMETERS_HELP = """The export's parameters, as text or numbers; any other is refused.

- `cohort_progress` (facilitators of the cohort, admins): `cohort` (id, required), and the
  dashboard's `state`, `country`, `organisation_type`, `q`, `sort`, `order`.
- `completions` (admins): the statistics' filters `from`, `to` (YYYY-MM-DD), `course` (slug),
  `cohort` (id), `country`, `region` (M49), `organisation_type`.
- `statistics` (admins; aggregate only, suppressed: "<5" stays text): the same filters, and
  `group_by`: `course`, `cohort`, `country`, `region`, `subregion`, `organisation_type`,
  `month` or `quiz` (none: the totals alone).
- `item_analysis` (as its page: facilitators of the cohort, admins): `quiz` (id, required),
  `cohort` (id; without it, every cohort, admins only), `attempts` (`first` or `all`).
- `funder_pdf` (admins; format `pdf` only; always a job): the funder report of the
  statistics' filters, in the language of the request."""


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    parameters = serializers.DictField(required=False, default=dict, help_text=PARAMETERS_HELP)


class ExportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(help_text="How far it is, 0 to 100.")
    download_url = serializers.SerializerMethodField(
        help_text="The file, for the requester (session or token), once `status` is `done`; "
        "null before, and after `expires_at`."
    )

    class Meta:
        model = ExportJob
        fields = ["id", "kind", "format", "parameters", "status", "rows_done", "rows_total",
                  "percent", "created_at", "finished_at", "expires_at", "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.is_ready:
            return None
        return self.context["request"].build_absolute_uri(reverse("api-export-file", args=[job.pk]))


class ExportColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The rows' key for this column.")
    label = serializers.CharField(help_text="Its heading in CSV and XLSX.")
    type = serializers.ChoiceField(
        choices=["text", "integer", "number", "share", "date", "datetime", "boolean"],
        help_text="`share`: a fraction (0.5 is 50%); `datetime`: ISO 8601 in UTC. Suppressed "
        'figures are text: "<5", or a dash where hidden beside a small one.',
    )


class ExportDataSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    columns = ExportColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


FILE_DESCRIPTION = (
    "The export, in the `format` asked for. CSV: UTF-8 with a byte order mark and a heading "
    "row. XLSX: one sheet, typed cells (numbers, dates and times in UTC, booleans), a bold "
    "frozen heading row. In both, text that a spreadsheet could take for a formula (starting "
    "with `=`, `+`, `-`, `@`, a tab or a line break) starts with an apostrophe. JSON: "
    '`{"kind", "columns", "rows"}`, text as it is.'
)
FILE_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=FILE_DESCRIPTION),
    (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=FILE_DESCRIPTION),
    (200, "application/json"): OpenApiResponse(ExportDataSerializer, description=FILE_DESCRIPTION),
}
JOB_FILE_DESCRIPTION = (
    FILE_DESCRIPTION + " PDF: the funder report (`funder_pdf`), in the language it was asked in."
)
JOB_FILE_RESPONSES = {
    key: OpenApiResponse(response.response, description=JOB_FILE_DESCRIPTION)
    for key, response in FILE_RESPONSES.items()
} | {(200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=JOB_FILE_DESCRIPTION)}
NOT_FOUND = OpenApiResponse(
    ERROR,
    description="Out of the caller's reach (`not_found`): a cohort they do not facilitate, a "
    "kind for admins only, a quiz or cohort that does not exist.",
)


class ExportsView(_FileView):
    """Ask for an export: the file itself when it has at most EXPORT_STREAM_MAX_ROWS (10,000)
    rows, else a job (the same unfinished job if the same export is asked for again); the
    funder report's PDF is always a job."""

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            **FILE_RESPONSES,
            (201, "application/json"): OpenApiResponse(
                ExportJobSerializer,
                description="Too many rows to send at once, or a PDF: a job, prepared in the "
                "background. Follow it at `GET /api/v1/exports/{id}/`; the requester is also "
                "emailed.",
            ),
            (404, "application/json"): NOT_FOUND,
        },
    )
    def post(self, request):
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = request_export(
                request.user, kind=data["kind"], format=data["format"],
                parameters=data["parameters"],
            )  # fmt: skip
        except ValidationError as error:
            raise _nested(error) from error
        if isinstance(result, Export):
            return export_response(result)
        self._answer_in_json()
        url = reverse("api-export", args=[result.pk])
        body = ExportJobSerializer(result, context={"request": request}).data
        return Response(body, status=201, headers={"Location": request.build_absolute_uri(url)})


def _nested(error: ValidationError) -> ApiValidationError:
    """The service's ValidationError in the API's shape: a parameter's messages under
    `parameters`, beside `kind` and `format`."""
    detail, nested = {}, {}
    for name, messages in error.message_dict.items():
        if name in ("kind", "format", "parameters"):
            detail[name] = messages
        else:
            nested[name] = messages
    if nested:
        detail["parameters"] = nested
    return ApiValidationError(detail)


def _export_parameter() -> OpenApiParameter:
    return OpenApiParameter("export_id", int, OpenApiParameter.PATH, description="The job.")


class ExportJobView(APIView):
    """A job of the caller's (anyone else's is a 404): its status, progress and, once done,
    the download URL."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[_export_parameter()], responses=ExportJobSerializer)
    def get(self, request, export_id):
        job = get_export_job(request.user, export_id)
        return Response(ExportJobSerializer(job, context={"request": request}).data)


class ExportFileView(_FileView):
    """The file of a finished job, for its requester only (anyone else: 404)."""

    @extend_schema(
        parameters=[_export_parameter()],
        responses={
            **JOB_FILE_RESPONSES,
            # Errors are JSON, whatever the client accepts.
            **{
                (status, "application/json"): response
                for status, response in domain_errors(ExportExpired, ExportNotReady).items()
            },
        },
    )
    def get(self, request, export_id):
        handle, job = open_export_file(request.user, export_id)
        return job_file_response(handle, job)
