"""The cohort dashboard in the API, for facilitators, admins and their BI tools (token auth):
the progress matrix and who is at risk. Same reads and rules as the page (courses.dashboard);
a cohort one does not manage is a 404."""

from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView

from accounts.models import OrganisationType

from . import dashboard
from .selectors import get_managed_cohort


class QuizCellSerializer(serializers.Serializer):
    quiz = serializers.IntegerField(source="quiz_id")
    title = serializers.CharField()
    attempts = serializers.IntegerField()
    best_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField()
    optional = serializers.BooleanField()


class ModuleCellSerializer(serializers.Serializer):
    module = serializers.IntegerField(source="module_id")
    lessons_done = serializers.IntegerField()
    lessons_required = serializers.IntegerField()
    quizzes = QuizCellSerializer(many=True)
    started = serializers.BooleanField()
    complete = serializers.BooleanField()
    due_on = serializers.DateField(
        allow_null=True, help_text="The participant's own extension if any, else the cohort's."
    )
    extended = serializers.BooleanField()
    overdue = serializers.BooleanField()


class ParticipantProgressSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment_id")
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    country = serializers.CharField(allow_blank=True, help_text="ISO 3166 code, or empty.")
    organisation_type = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(
        choices=["active", "completed"], help_text="The enrolment's status."
    )
    state = serializers.ChoiceField(choices=list(dashboard.STATES)[:3])
    at_risk = serializers.BooleanField()
    at_risk_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=[dashboard.INACTIVE, dashboard.OVERDUE])
    )
    percent = serializers.IntegerField(help_text="Of the course's required lessons and quizzes.")
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)
    certificate_status = serializers.CharField(allow_null=True)
    certificate_code = serializers.CharField(allow_null=True)
    modules = ModuleCellSerializer(many=True)


class ProgressQuerySerializer(serializers.Serializer):
    """The matrix's filters and order, as on the dashboard page."""

    state = serializers.ChoiceField(choices=list(dashboard.STATES), required=False)
    country = serializers.CharField(max_length=2, required=False, help_text="ISO 3166 code.")
    organisation_type = serializers.ChoiceField(choices=OrganisationType.choices, required=False)
    q = serializers.CharField(max_length=100, required=False, help_text="In names and emails.")
    sort = serializers.ChoiceField(choices=dashboard.SORTS, required=False, default="name")
    order = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="asc")

    def validate_country(self, value: str) -> str:
        """An ISO 3166 code in either case; two letters that name no country are refused, not
        taken for a filter that matches nobody."""
        code = value.upper()
        if code not in countries:
            invalid = serializers.ChoiceField.default_error_messages["invalid_choice"]
            raise serializers.ValidationError(invalid.format(input=value))  # DRF's translations
        return code


def _cohort_parameter() -> OpenApiParameter:
    return OpenApiParameter("cohort_id", int, OpenApiParameter.PATH, description=_("The cohort."))


class CohortProgressView(GenericAPIView):
    """Every current participant's progress in the cohort: the dashboard's matrix, filtered,
    ordered and paginated as on the page. Facilitators of the cohort and admins."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ParticipantProgressSerializer

    @extend_schema(
        parameters=[_cohort_parameter(), ProgressQuerySerializer],
        responses=ParticipantProgressSerializer(many=True),
    )
    def get(self, request, cohort_id):
        cohort = get_managed_cohort(request.user, cohort_id)
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        rows = dashboard.filter_rows(
            dashboard.get_cohort_progress(cohort).rows,
            state=filters.get("state", ""),
            country=filters.get("country", ""),
            organisation_type=filters.get("organisation_type", ""),
            search=filters.get("q", ""),
        )
        rows = dashboard.sort_rows(rows, key=filters["sort"], descending=filters["order"] == "desc")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CohortAtRiskView(GenericAPIView):
    """The cohort's participants at risk now (not completed, and inactive for the cohort's
    days or behind a module's due date), longest inactive first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ParticipantProgressSerializer

    @extend_schema(
        parameters=[_cohort_parameter()], responses=ParticipantProgressSerializer(many=True)
    )
    def get(self, request, cohort_id):
        cohort = get_managed_cohort(request.user, cohort_id)
        rows = dashboard.filter_rows(
            dashboard.get_cohort_progress(cohort).rows, state=dashboard.AT_RISK
        )
        rows = sorted(rows, key=lambda r: r.last_activity_at or r.enrolled_at)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
