"""Completion statistics in the API, for staff: the suppressed figures (the page's), and the
enrolments behind them (personal data, not suppressed, paginated)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrganisationType
from courses.models import Enrolment
from elearn.permissions import StaffOnly

from .filters import DIMENSIONS, ReportFilterForm, SummaryParamsForm
from .queries import list_report_rows
from .regions import region_of, subregion_of
from .statistics import FIGURES, Figure, get_report
from .suppression import Mark

FILTER_PARAMETERS = [
    OpenApiParameter("from", str, description="First day (YYYY-MM-DD), included."),
    OpenApiParameter("to", str, description="Last day (YYYY-MM-DD), included."),
    OpenApiParameter("course", str, description="A course's slug."),
    OpenApiParameter("cohort", int, description="A cohort's id."),
    OpenApiParameter("country", str, description="An ISO 3166 country code, e.g. `KE`."),
    OpenApiParameter(
        "region",
        str,
        description="A UN M49 region or sub-region code of the participant's country, e.g. "
        "`002` (Africa) or `202` (Sub-Saharan Africa).",
    ),
    OpenApiParameter(
        "organisation_type", str, enum=OrganisationType.values, description="The participant's."
    ),
]


@extend_schema_field({"type": "number", "nullable": True})
class NumberField(serializers.Field):
    """An integer count or a decimal figure, as it is."""

    def to_representation(self, value):
        return value


class FigureSerializer(serializers.Serializer):
    value = NumberField(help_text="Null when suppressed, or when there is nothing to measure.")
    suppressed = serializers.ChoiceField(
        choices=[m.value for m in Mark],
        allow_null=True,
        help_text="`small`: computed from fewer than `min_cell` participants; `complementary`: "
        "hidden so that a small figure cannot be worked out from a total; null: shown.",
    )


class FiguresSerializer(serializers.Serializer):
    enrolments = FigureSerializer()
    active_participants = FigureSerializer()
    completions = FigureSerializer()
    completion_rate = FigureSerializer(help_text="A percentage.")
    median_days_to_complete = FigureSerializer()
    certificates_issued = FigureSerializer()
    certificates_revoked = FigureSerializer()


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="A course slug, cohort id, country code, M49 code, organisation type or "
        "month (YYYY-MM); empty for participants who gave none."
    )
    label = serializers.CharField()
    parent = serializers.CharField(help_text="For a cohort, its course's title.")
    figures = FiguresSerializer()


class QuizSerializer(serializers.Serializer):
    quiz = serializers.IntegerField()
    title = serializers.CharField()
    course_title = serializers.CharField()
    attempted = FigureSerializer()
    pass_rate = FigureSerializer(help_text="A percentage.")
    mean_best_score = FigureSerializer(help_text="A percentage.")


class SummarySerializer(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField(), help_text="As understood.")
    min_cell = serializers.IntegerField(help_text="K: the fewest participants a figure shows.")
    totals = FiguresSerializer()
    group_by = serializers.CharField(allow_null=True)
    rows = RowSerializer(many=True, help_text="The breakdown asked for; empty without one.")
    quizzes = QuizSerializer(many=True)


def _figure(figure: Figure) -> dict:
    return {"value": figure.value, "suppressed": figure.mark.value if figure.mark else None}


def _figures(figures: dict[str, Figure]) -> dict:
    return {name: _figure(figures[name]) for name in FIGURES}


def _valid(form: ReportFilterForm) -> ReportFilterForm:
    if not form.is_valid():
        raise serializers.ValidationError(form.errors_by_parameter())
    return form


class SummaryView(APIView):
    """Completion statistics (staff only): the same figures as the statistics page, with
    small cells suppressed, for the filters, and one breakdown with `group_by`. Suppressed
    figures are null with `suppressed` saying why."""

    permission_classes = [StaffOnly]

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("group_by", str, enum=list(DIMENSIONS), description="A breakdown."),
        ],
        responses=SummarySerializer,
    )
    def get(self, request):
        form = _valid(SummaryParamsForm(request.query_params))
        report = get_report(form.filters())
        group_by = form.cleaned_data["group_by"] or None
        rows = report.breakdowns[group_by] if group_by else []
        data = {
            "filters": form.filters().as_query(),
            "min_cell": report.min_cell,
            "totals": _figures(report.totals),
            "group_by": group_by,
            "rows": [
                {"key": r.key, "label": r.label, "parent": r.parent, "figures": _figures(r.figures)}
                for r in rows
            ],
            "quizzes": [
                {
                    "quiz": q.quiz_id,
                    "title": q.title,
                    "course_title": q.course_title,
                    "attempted": _figure(q.attempted),
                    "pass_rate": _figure(q.pass_rate),
                    "mean_best_score": _figure(q.mean_best_score),
                }
                for q in report.quizzes
            ],
        }
        return Response(SummarySerializer(data).data)


class CertificateBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()


class CompletionRowSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    course_title = serializers.CharField(source="course.title")
    cohort_name = serializers.CharField(source="cohort.name")
    name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")
    country = serializers.CharField(source="user.country.code")
    region = serializers.SerializerMethodField(help_text="UN M49 region code, or empty.")
    subregion = serializers.SerializerMethodField(help_text="UN M49 sub-region code, or empty.")
    organisation_type = serializers.CharField(source="user.organisation_type")
    # Text, not an enum: the schema already names EnrolmentStatus after the enrolments' field.
    status = serializers.CharField(help_text="`active`, `completed` or `withdrawn`.")
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = ["id", "course", "course_title", "cohort", "cohort_name", "user", "name",
                  "email", "country", "region", "subregion", "organisation_type", "enrolled_at",
                  "completed_at", "status", "certificate"]  # fmt: skip

    def get_region(self, enrolment) -> str:
        region = region_of(enrolment.user.country.code or "")
        return region.code if region else ""

    def get_subregion(self, enrolment) -> str:
        subregion = subregion_of(enrolment.user.country.code or "")
        return subregion.code if subregion else ""

    @extend_schema_field(CertificateBriefSerializer(allow_null=True))
    def get_certificate(self, enrolment) -> dict | None:
        certificate = getattr(enrolment, "certificate", None)
        if certificate is None:
            return None
        return {"code": certificate.code, "status": certificate.status}


class CompletionsView(generics.ListAPIView):
    """The enrolments of a report (staff only): those made or completed in the range, with
    who, where from, and their certificate. Personal data: not suppressed."""

    permission_classes = [StaffOnly]
    serializer_class = CompletionRowSerializer

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no request
            return Enrolment.objects.none()
        form = _valid(ReportFilterForm(self.request.query_params))
        return list_report_rows(form.filters())
