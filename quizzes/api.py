"""The quiz API: a quiz's settings and the participant's record, attempts, answers, submission,
and a quiz's item analysis for those who manage a cohort.

Views hold no rules: they call quizzes.services (changes), quizzes.selectors and
quizzes.statistics (reads). Attempts are always the participant's own; anyone else's is a 404.
Formats: docs/quizzes.md.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from elearn.input import optional_id_field
from elearn.parsers import JSONParser
from elearn.schema import domain_errors

from . import selectors, services
from .analysis import ATTEMPT_SETS, FIRST_ATTEMPTS, FLAGS
from .exceptions import (
    AlreadySubmitted,
    AttemptLimitReached,
    InvalidAnswers,
    NotEnrolled,
    QuizHasNoQuestions,
    TimeUp,
)
from .models import Attempt, Quiz, ReviewPolicy
from .statistics import get_quiz_statistics


class QuizSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="quiz.id")
    course = serializers.IntegerField(source="quiz.course_id")
    module = serializers.IntegerField(source="quiz.module_id")
    title = serializers.CharField(source="quiz.title")
    description_html = serializers.CharField(source="quiz.description_html")
    pass_mark = serializers.IntegerField(source="quiz.pass_mark", help_text="Percent.")
    max_attempts = serializers.IntegerField(
        source="quiz.max_attempts", allow_null=True, help_text="Null: unlimited."
    )
    time_limit_minutes = serializers.IntegerField(source="quiz.time_limit_minutes", allow_null=True)
    review_policy = serializers.ChoiceField(
        source="quiz.review_policy", choices=ReviewPolicy.choices
    )
    questions_per_attempt = serializers.IntegerField()
    attempts_used = serializers.IntegerField()
    attempts_remaining = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    best_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(help_text="Whether any attempt passed.")
    in_progress_attempt = serializers.IntegerField(
        allow_null=True, help_text="The id of the attempt in progress, if any."
    )
    enrolled = serializers.BooleanField()
    can_start = serializers.BooleanField(
        help_text="Whether POST .../attempts/ would give an attempt (new or resumed)."
    )


class AttemptListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "id",
            "quiz",
            "number",
            "status",
            "started_at",
            "deadline",
            "submitted_at",
            "score",
            "passed",
        ]
        read_only_fields = fields


class ChoiceViewSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="Opaque, made for the attempt; says nothing about the author's order."
    )
    text = serializers.CharField()


class PromptViewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class OptionViewSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Opaque; says nothing about the prompt it fits.")
    text = serializers.CharField()


class QuestionViewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    prompt_html = serializers.CharField()
    points = serializers.IntegerField()
    choices = ChoiceViewSerializer(many=True, help_text="Choice questions, in the shown order.")
    prompts = PromptViewSerializer(many=True, help_text="Matching: the prompts (pair ids).")
    options = OptionViewSerializer(many=True, help_text="Matching: the answers to choose from.")


class ChoiceReviewSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The choice's opaque id in the attempt.")
    text = serializers.CharField()
    correct = serializers.BooleanField()
    selected = serializers.BooleanField()
    feedback = serializers.CharField()


class PromptReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    chosen_option = serializers.CharField(allow_null=True)
    chosen_text = serializers.CharField(allow_null=True)
    correct_answer = serializers.CharField()
    correct = serializers.BooleanField()


class QuestionReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    prompt_html = serializers.CharField()
    points = serializers.IntegerField()
    points_awarded = serializers.DecimalField(max_digits=8, decimal_places=2)
    correct = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=["correct", "partial", "incorrect", "unanswered"])
    feedback_html = serializers.CharField()
    answer = serializers.JSONField(allow_null=True, help_text="What the participant gave.")
    choices = ChoiceReviewSerializer(many=True)
    prompts = PromptReviewSerializer(many=True)
    options = OptionViewSerializer(many=True)
    accepted_answers = serializers.ListField(child=serializers.CharField())
    numeric_answer = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    tolerance = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)

    def to_representation(self, review: selectors.QuestionReview) -> dict:
        # The fields above, written out: DRF's field-by-field walk of a 10-question review took
        # about a tenth of a submission's time (bench/run.py quiz-submit). The fields stay the
        # format and the schema; test_api checks that both ways give the same.
        return {
            "id": review.id,
            "type": review.type,
            "prompt_html": review.prompt_html,
            "points": review.points,
            "points_awarded": _CENTS.to_representation(review.points_awarded),
            "correct": review.correct,
            "outcome": review.outcome,
            "feedback_html": review.feedback_html,
            "answer": review.answer,
            "choices": [
                {
                    "id": choice.id,
                    "text": choice.text,
                    "correct": choice.correct,
                    "selected": choice.selected,
                    "feedback": choice.feedback,
                }
                for choice in review.choices
            ],
            "prompts": [
                {
                    "id": prompt.id,
                    "text": prompt.text,
                    "chosen_option": prompt.chosen_option,
                    "chosen_text": prompt.chosen_text,
                    "correct_answer": prompt.correct_answer,
                    "correct": prompt.correct,
                }
                for prompt in review.prompts
            ],
            "options": [{"id": option.id, "text": option.text} for option in review.options],
            "accepted_answers": list(review.accepted_answers),
            "numeric_answer": _exact(review.numeric_answer),
            "tolerance": _exact(review.tolerance),
        }


_CENTS = serializers.DecimalField(max_digits=8, decimal_places=2)
_MICROS = serializers.DecimalField(max_digits=20, decimal_places=6)


def _exact(value):
    return None if value is None else _MICROS.to_representation(value)


class AttemptSerializer(serializers.Serializer):
    """An attempt: in progress, its questions and saved answers; submitted, its grade and
    (as the quiz's review policy allows, else null) its review."""

    id = serializers.IntegerField(source="attempt.id")
    quiz = serializers.IntegerField(source="attempt.quiz_id")
    number = serializers.IntegerField(source="attempt.number")
    status = serializers.CharField(source="attempt.status")
    started_at = serializers.DateTimeField(source="attempt.started_at")
    deadline = serializers.DateTimeField(source="attempt.deadline", allow_null=True)
    seconds_remaining = serializers.IntegerField(allow_null=True)
    answers_saved_at = serializers.DateTimeField(source="attempt.answers_saved_at", allow_null=True)
    questions = QuestionViewSerializer(many=True, allow_null=True)
    answers = serializers.DictField(child=serializers.JSONField(), allow_null=True)
    submitted_at = serializers.DateTimeField(source="attempt.submitted_at", allow_null=True)
    points = serializers.DecimalField(
        source="attempt.points", max_digits=8, decimal_places=2, allow_null=True
    )
    max_points = serializers.IntegerField(source="attempt.max_points", allow_null=True)
    score = serializers.DecimalField(
        source="attempt.score", max_digits=5, decimal_places=2, allow_null=True
    )
    passed = serializers.BooleanField(source="attempt.passed", allow_null=True)
    review = QuestionReviewSerializer(many=True, allow_null=True)

    def to_representation(self, detail: selectors.AttemptDetail) -> dict:
        # The fields above, written out, as in QuestionReviewSerializer: DRF copies every
        # declared field, the nested ones too, for each serializer it makes, which took a
        # twentieth of a submission's time (bench/run.py quiz-submit). The fields stay the
        # format and the schema; test_api checks that both ways give the same.
        attempt = detail.attempt
        questions, review = detail.questions, detail.review
        return {
            "id": attempt.id,
            "quiz": attempt.quiz_id,
            "number": attempt.number,
            "status": str(attempt.status),
            "started_at": _when(attempt.started_at),
            "deadline": _when(attempt.deadline),
            "seconds_remaining": detail.seconds_remaining,
            "answers_saved_at": _when(attempt.answers_saved_at),
            "questions": None
            if questions is None
            else [_QUESTION_VIEW.to_representation(question) for question in questions],
            "answers": None
            if detail.answers is None
            else {str(key): value for key, value in detail.answers.items()},
            "submitted_at": _when(attempt.submitted_at),
            "points": None if attempt.points is None else _CENTS.to_representation(attempt.points),
            "max_points": attempt.max_points,
            "score": None if attempt.score is None else _SCORE.to_representation(attempt.score),
            "passed": attempt.passed,
            "review": None
            if review is None
            else [_QUESTION_REVIEW.to_representation(question) for question in review],
        }


_TIME = serializers.DateTimeField()
_SCORE = serializers.DecimalField(max_digits=5, decimal_places=2)
_QUESTION_VIEW = QuestionViewSerializer()
_QUESTION_REVIEW = QuestionReviewSerializer()


def _when(moment):
    return None if moment is None else _TIME.to_representation(moment)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="By question id. A choice's id as shown in the attempt; a list of them; text; "
        "a number or text; or {pair id: option id} for matching. Null clears an answer.",
    )


class SubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text="Optional last answers, saved before grading (ignored after the deadline).",
    )


class SavedAnswersSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    answers = serializers.DictField(child=serializers.JSONField())
    answers_saved_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateTimeField(allow_null=True)


class StatisticsQuerySerializer(serializers.Serializer):
    cohort = optional_id_field(
        "The cohort whose participants' attempts are analysed. Required, except for admins, for "
        "whom no cohort means every attempt at the quiz."
    )
    attempts = serializers.ChoiceField(
        choices=ATTEMPT_SETS,
        default=FIRST_ATTEMPTS,
        help_text="`first`: each participant's first attempt; `all`: every submitted attempt.",
    )

    def validate(self, attrs):
        if attrs.get("cohort") is None and not self.context["request"].user.is_staff:
            raise ValidationError({"cohort": [_("Give the id of a cohort you facilitate.")]})
        return attrs


class StatisticsOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="choice.id")
    text = serializers.CharField(source="choice.text")
    correct = serializers.BooleanField(source="choice.correct")
    chosen = serializers.IntegerField(
        allow_null=True, help_text="Attempts that chose it; null when suppressed."
    )
    share = serializers.FloatField(
        allow_null=True,
        help_text="chosen / the question's attempts, from 0 to 1; null when suppressed.",
    )


class StatisticsQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="question.id")
    type = serializers.CharField(source="question.type")
    prompt = serializers.CharField(source="question.prompt", help_text="As plain text.")
    attempts = serializers.IntegerField(help_text="Attempts analysed that had this question.")
    participants = serializers.IntegerField(help_text="People who made those attempts.")
    suppressed = serializers.BooleanField(
        help_text="Fewer participants than `min_cell`: indices and option shares are null."
    )
    facility = serializers.FloatField(
        allow_null=True,
        help_text="Mean share of the question's points earned, 0 to 1 (partial credit counts "
        "its share).",
    )
    fully_correct = serializers.FloatField(
        allow_null=True, help_text="Share of attempts that earned every point."
    )
    unanswered = serializers.FloatField(
        allow_null=True, help_text="Share of attempts that left it unanswered."
    )
    discrimination = serializers.FloatField(
        allow_null=True,
        help_text="Correlation of the question's share of points with that of the rest of the "
        "attempt, -1 to 1; null when undefined (under 2 attempts, or no variation).",
    )
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=FLAGS),
        help_text="To check: `hard` (facility < 0.2), `easy` (> 0.95), `low_discrimination` "
        "(< 0.2).",
    )
    options = StatisticsOptionSerializer(
        many=True, help_text="Single choice, multiple response and true/false: each choice."
    )


class StatisticsSummarySerializer(serializers.Serializer):
    attempts = serializers.IntegerField(help_text="Attempts analysed.")
    participants = serializers.IntegerField()
    suppressed = serializers.BooleanField(
        help_text="Fewer participants than `min_cell`: scores and rates are null."
    )
    mean_score = serializers.FloatField(allow_null=True, help_text="Percent.")
    median_score = serializers.FloatField(allow_null=True, help_text="Percent.")
    pass_rate = serializers.FloatField(allow_null=True, help_text="Share of attempts, 0 to 1.")


class QuizStatisticsSerializer(serializers.Serializer):
    quiz = serializers.IntegerField(source="quiz.id")
    cohort = serializers.IntegerField(
        source="cohort_id", allow_null=True, help_text="Null: every cohort."
    )
    attempts = serializers.ChoiceField(choices=ATTEMPT_SETS, help_text="The attempts analysed.")
    min_cell = serializers.IntegerField(
        source="analysis.min_cell",
        help_text="Numbers computed from fewer participants than this are not given.",
    )
    suppressed = serializers.BooleanField(
        source="analysis.suppressed",
        help_text="The attempts come from fewer participants than `min_cell`.",
    )
    summary = StatisticsSummarySerializer(source="analysis")
    questions = StatisticsQuestionSerializer(source="analysis.questions", many=True)


def _invalid(error: InvalidAnswers) -> ValidationError:
    return ValidationError({"answers": error.errors or [str(error.message)]})


def _id_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"The {what}'s id.")


@extend_schema(parameters=[_id_parameter("quiz")])
class QuizViewSet(viewsets.GenericViewSet):
    """A quiz's settings and the signed-in user's own record at it (no questions).

    Enrolled participants, facilitators and admins may read it; anyone else gets not_enrolled
    (quizzes.selectors.check_quiz_access, which the quiz page follows too).
    """

    queryset = Quiz.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = QuizSummarySerializer
    pagination_class = None
    lookup_value_regex = r"\d+"

    @extend_schema(responses={200: QuizSummarySerializer, **domain_errors(NotEnrolled)})
    def retrieve(self, request, pk=None):
        quiz = selectors.get_quiz_for(request.user, int(pk))
        enrolment = selectors.check_quiz_access(request.user, quiz)
        services.close_expired_attempt(request.user, quiz)
        summary = selectors.get_quiz_summary(request.user, quiz, enrolled=enrolment is not None)
        return Response(QuizSummarySerializer(summary).data)

    @extend_schema(
        parameters=[StatisticsQuerySerializer], responses={200: QuizStatisticsSerializer}
    )
    @action(detail=True, methods=["get"])
    def statistics(self, request, pk=None):
        """Item analysis of the quiz for a cohort (its facilitators and admins) or, for admins
        and without a cohort, of every attempt: the score summary and, per question, facility,
        discrimination, option shares and flags. Anyone else gets 404."""
        query = StatisticsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        result = get_quiz_statistics(
            request.user,
            int(pk),
            cohort_id=query.validated_data.get("cohort"),
            attempts=query.validated_data["attempts"],
        )
        return Response(QuizStatisticsSerializer(result).data)


class QuizAttemptsView(mixins.ListModelMixin, GenericAPIView):
    """The signed-in participant's attempts at a quiz (GET), or start one (POST)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AttemptListSerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attempt.objects.none()
        return selectors.list_attempts(self.request.user, self.quiz)

    def get(self, request, quiz_id):
        """The signed-in participant's own attempts at the quiz, latest first. Attempts are one's
        own, as each attempt is: no enrolment is needed (a withdrawn participant finds here the
        attempt they may still finish)."""
        self.quiz = selectors.get_quiz_for(request.user, quiz_id)
        services.close_expired_attempt(request.user, self.quiz)
        return self.list(request)

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(AttemptSerializer, description="The attempt in progress."),
            201: OpenApiResponse(AttemptSerializer, description="A new attempt."),
            **domain_errors(NotEnrolled, AttemptLimitReached, QuizHasNoQuestions),
        },
    )
    def post(self, request, quiz_id):
        """Start an attempt, or resume the one in progress (200)."""
        quiz = selectors.get_quiz_for(request.user, quiz_id)
        attempt, created = services.start_attempt(request.user, quiz)
        return Response(
            AttemptSerializer(selectors.get_attempt_detail(attempt)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(parameters=[_id_parameter("attempt")])
class AttemptViewSet(viewsets.GenericViewSet):
    """The signed-in participant's own attempt: read it, save answers, submit it."""

    queryset = Attempt.objects.none()
    parser_classes = [JSONParser]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AttemptSerializer
    pagination_class = None
    lookup_value_regex = r"\d+"

    def retrieve(self, request, pk=None):
        attempt = selectors.get_attempt_for(request.user, int(pk))
        attempt = services.close_attempt_if_expired(attempt)
        return Response(AttemptSerializer(selectors.get_attempt_detail(attempt)).data)

    @extend_schema(
        request=AnswersSerializer,
        responses={200: SavedAnswersSerializer, **domain_errors(AlreadySubmitted, TimeUp)},
    )
    def partial_update(self, request, pk=None):
        """Save answers (merged by question id); refused after the deadline (time_up)."""
        attempt = selectors.get_attempt_for(request.user, int(pk))
        body = AnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            attempt = services.save_answers(attempt, answers=body.validated_data["answers"])
        except InvalidAnswers as error:
            raise _invalid(error) from None
        return Response(
            SavedAnswersSerializer(
                {
                    "id": attempt.pk,
                    "answers": selectors.get_saved_answers(attempt),
                    "answers_saved_at": attempt.answers_saved_at,
                    "deadline": attempt.deadline,
                }
            ).data
        )

    @extend_schema(
        request=SubmitSerializer,
        responses={200: AttemptSerializer, **domain_errors(AlreadySubmitted)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the attempt for grading, once (already_submitted after that)."""
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            submission = services.submit_attempt(
                request.user, int(pk), answers=body.validated_data.get("answers")
            )
        except InvalidAnswers as error:
            raise _invalid(error) from None
        # The review is built from the questions the submission read.
        detail = selectors.get_attempt_detail(submission.attempt, questions=submission.questions)
        return Response(AttemptSerializer(detail).data)
