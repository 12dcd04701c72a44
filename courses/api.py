from rest_framework import mixins, permissions, serializers, viewsets

from quizzes.models import Quiz

from . import selectors
from .models import Course, Lesson, Module


class CourseListSerializer(serializers.ModelSerializer):
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


class CourseDetailSerializer(serializers.ModelSerializer):
    modules = OutlineModuleSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "language",
            "estimated_hours",
            "published",
            "modules",
        ]


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The course catalogue and each course's outline (module, lesson and quiz ids).

    Anyone may read published courses; admins also see unpublished ones.
    """

    lookup_field = "slug"
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.list_catalogue(self.request.user)

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseListSerializer

    def get_object(self):
        return selectors.get_course_with_outline(self.request.user, self.kwargs["slug"])
