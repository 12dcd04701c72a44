from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from certificates.models import CertificateStatus
from elearn.schema import domain_errors
from quizzes.models import Quiz

from . import selectors
from .exceptions import (
    AlreadyEnrolled,
    CohortFull,
    EnrolmentClosed,
    EnrolmentCompleted,
    NotEnrolled,
    WrongEnrolmentKey,
)
from .models import Cohort, Course, Enrolment, Lesson, Module
from .services.enrolment import enrol, withdraw
from .services.progress import record_lesson_completion


class CourseVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "slug", "language", "title"]


# A course with its versions in other languages, from the view's `versions` context
# (selectors.other_versions). A comment, not a docstring: the schema would publish it.
class CourseVersionsSerializer(serializers.ModelSerializer):
    translation_of = serializers.SerializerMethodField(
        help_text="The slug of the original course this one translates; null for an original "
        "(and for a translation whose original is not published)."
    )
    translations = serializers.SerializerMethodField(
        help_text="The other versions of the course: its original and the original's "
        "translations, each in another language (published ones, for all but admins)."
    )

    def _versions(self, course) -> list[Course]:
        return self.context.get("versions", {}).get(course.pk, [])

    def get_translation_of(self, course) -> str | None:
        original = course.translation_of_id
        return next((v.slug for v in self._versions(course) if v.pk == original), None)

    @extend_schema_field(CourseVersionSerializer(many=True))
    def get_translations(self, course):
        return CourseVersionSerializer(self._versions(course), many=True).data


class CourseListSerializer(CourseVersionsSerializer):
    module_count = serializers.IntegerField(read_only=True)
    lesson_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api-course-detail", lookup_field="slug", read_only=True
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "language",
            "translation_of",
            "translations",
            "estimated_hours",
            "published",
            "module_count",
            "lesson_count",
            "url",
        ]


class OutlineLessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "title", "estimated_minutes"]


class OutlineQuizSerializer(serializers.ModelSerializer):
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Quiz
        fields = ["id", "slug", "title", "pass_mark", "question_count"]


class OutlineModuleSerializer(serializers.ModelSerializer):
    lessons = OutlineLessonSerializer(many=True, read_only=True)
    quizzes = OutlineQuizSerializer(many=True, read_only=True)

    class Meta:
        model = Module
        fields = ["id", "slug", "title", "lessons", "quizzes"]


class CourseDetailSerializer(CourseVersionsSerializer):
    modules = OutlineModuleSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "language",
            "translation_of",
            "translations",
            "estimated_hours",
            "published",
            "modules",
        ]


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The course catalogue and each course's outline (module, lesson and quiz ids), with its
    versions in other languages.

    Anyone may read published courses; admins also see unpublished ones.
    """

    lookup_field = "slug"
    permission_classes = [permissions.AllowAny]
    versions: dict[int, list[Course]] = {}

    def get_queryset(self):
        return selectors.list_catalogue(self.request.user)

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseListSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "versions": self.versions}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.versions = selectors.other_versions(self.request.user, *(page or []))
        return page

    def get_object(self):
        course = selectors.get_course_with_outline(self.request.user, self.kwargs["slug"])
        self.versions = selectors.other_versions(self.request.user, course)
        return course


# --- Cohorts, enrolments and progress ----------------------------------------------------------


class CohortSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requires_key = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()
    due_dates = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = ["id", "name", "course", "is_default", "starts_on", "ends_on", "enrolment_open",
                  "capacity", "places_left", "requires_key", "time_zone", "due_dates"]  # fmt: skip

    def get_requires_key(self, cohort) -> bool:
        return bool(cohort.enrolment_key)

    def get_places_left(self, cohort) -> int | None:
        return cohort.places_left

    def get_due_dates(self, cohort) -> list[dict]:
        return [{"module": d.module_id, "due_on": d.due_on} for d in cohort.due_dates.all()]


class CohortViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Cohorts one can join in a course: `?course={slug}` (required)."""

    serializer_class = CohortSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("course", str, required=True, description="course slug")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        slug = self.request.query_params.get("course")
        if not slug:
            raise serializers.ValidationError({"course": [_("Give a course slug.")]})
        course = get_object_or_404(Course.objects.visible_to(self.request.user), slug=slug)
        cohorts = selectors.list_joinable_cohorts(course)
        prefetch_related_objects(cohorts, "due_dates", "course")
        return cohorts


class ModuleProgressSerializer(serializers.Serializer):
    module = serializers.IntegerField(source="module.id")
    title = serializers.CharField(source="module.title")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    due_on = serializers.DateField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    completed_lessons = serializers.SerializerMethodField()
    passed_quizzes = serializers.SerializerMethodField()
    next_lesson = serializers.SerializerMethodField()
    modules = ModuleProgressSerializer(many=True)

    def get_completed_lessons(self, progress) -> list[int]:
        return sorted(progress.completed_lesson_ids)

    def get_passed_quizzes(self, progress) -> list[int]:
        return sorted(progress.passed_quiz_ids)

    def get_next_lesson(self, progress) -> int | None:
        return progress.next_lesson.id if progress.next_lesson else None


class EnrolmentCertificateSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Its verification code (GET /api/v1/certificates/).")
    status = serializers.ChoiceField(choices=CertificateStatus.choices)


class EnrolmentSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.SerializerMethodField(
        allow_null=True, help_text="Null for a withdrawn enrolment."
    )
    certificate = serializers.SerializerMethodField(
        allow_null=True, help_text="Null until the course is completed."
    )

    class Meta:
        model = Enrolment
        fields = ["id", "course", "cohort", "status", "enrolled_at", "completed_at",
                  "withdrawn_at", "last_lesson", "progress", "certificate"]  # fmt: skip

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, enrolment):
        progress = self.context["progress"].get(enrolment.pk)
        return ProgressSerializer(progress).data if progress else None

    @extend_schema_field(EnrolmentCertificateSerializer)
    def get_certificate(self, enrolment):
        certificate = getattr(enrolment, "certificate", None)  # None: no certificate yet
        return EnrolmentCertificateSerializer(certificate).data if certificate else None


class EnrolRequestSerializer(serializers.Serializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all())
    key = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A cohort of a course the user may not see is "unknown", like one that does not exist.
        request = self.context.get("request")
        if request is not None:
            self.fields["cohort"].queryset = Cohort.objects.filter(
                course__in=Course.objects.visible_to(request.user)
            )


class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in participant's own enrolments, with progress; enrol with POST."""

    serializer_class = EnrolmentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Enrolment.objects.none()
        return (
            Enrolment.objects.filter(user=self.request.user)
            .select_related("course", "cohort", "certificate")
            .order_by("-enrolled_at", "-id")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context.setdefault("progress", {})
        return context

    def _with_progress(self, enrolments):
        return {
            row["enrolment"].pk: row["progress"]
            for row in selectors.get_my_learning(self.request.user)
            if row["enrolment"].pk in {e.pk for e in enrolments}
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(
            page,
            many=True,
            context={**self.get_serializer_context(), "progress": self._with_progress(page)},
        )
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        enrolment = self.get_object()
        context = {**self.get_serializer_context(), "progress": self._with_progress([enrolment])}
        return Response(self.get_serializer(enrolment, context=context).data)

    @extend_schema(
        request=EnrolRequestSerializer,
        responses={
            201: EnrolmentSerializer,
            **domain_errors(EnrolmentClosed, CohortFull, AlreadyEnrolled, WrongEnrolmentKey),
        },
    )
    def create(self, request):
        data = EnrolRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        cohort = data.validated_data["cohort"]
        enrolment = enrol(request.user, cohort, key=data.validated_data.get("key"))
        context = {**self.get_serializer_context(), "progress": self._with_progress([enrolment])}
        return Response(self.get_serializer(enrolment, context=context).data, status=201)

    @extend_schema(
        request=None, responses={200: EnrolmentSerializer, **domain_errors(EnrolmentCompleted)}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        enrolment = self.get_object()
        withdraw(enrolment, by=request.user)  # withdrawn again: the same answer
        return Response(self.get_serializer(enrolment).data)


class LessonCompletionSerializer(serializers.Serializer):
    lesson = serializers.IntegerField()
    completed_at = serializers.DateTimeField()
    enrolment = serializers.IntegerField()
    enrolment_status = serializers.CharField()


class LessonViewSet(viewsets.GenericViewSet):
    """Lessons as actions: mark one complete."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = LessonCompletionSerializer

    def get_queryset(self):
        return Lesson.objects.filter(
            course__in=Course.objects.visible_to(self.request.user)
        ).select_related("course")

    @extend_schema(
        request=None,
        responses={200: LessonCompletionSerializer, **domain_errors(NotEnrolled)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        lesson = self.get_object()
        outcome = record_lesson_completion(request.user, lesson)
        return Response(
            LessonCompletionSerializer(
                {
                    "lesson": lesson.pk,
                    "completed_at": outcome.completion.completed_at,
                    "enrolment": outcome.enrolment.pk,
                    "enrolment_status": outcome.enrolment.status,
                }
            ).data
        )
