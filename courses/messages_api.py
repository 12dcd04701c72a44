"""Messages to a cohort's participants in the API (token auth): send one, and read a message
with each participant's delivery. Same service and rules as the pages
(courses.services.messages); a cohort or message one does not manage is a 404."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from elearn.schema import domain_errors

from .exceptions import InvalidMessage, NoRecipients, NotAllowed, RequestKeyReused
from .models import CohortMessage, DeliveryStatus, MessageAudience
from .selectors import get_managed_cohort
from .services.messages import (
    MAX_BODY_LENGTH,
    MAX_REQUEST_KEY_LENGTH,
    MAX_SUBJECT_LENGTH,
    send_cohort_message,
    with_delivery_counts,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class NewMessageSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(
        choices=MessageAudience.choices,
        help_text="`all`: every current participant; `at_risk`: those at risk now (as on the "
        "dashboard); `selected`: the enrolments given.",
    )
    subject = serializers.CharField(max_length=MAX_SUBJECT_LENGTH)
    body = serializers.CharField(
        max_length=MAX_BODY_LENGTH,
        trim_whitespace=False,
        help_text="Markdown, sent as written.",
    )
    enrolments = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=5000,
        help_text="For `selected` only: ids of current enrolments in the cohort. Any other id "
        "is an error, and nothing is sent.",
    )
    request_key = serializers.CharField(
        required=False,
        max_length=MAX_REQUEST_KEY_LENGTH,
        help_text=f"New for each message (a UUID), or give it as the `{IDEMPOTENCY_HEADER}` "
        "header: the same key again returns the first message and sends nothing more.",
    )


class DeliveryCountsSerializer(serializers.Serializer):
    queued = serializers.IntegerField(source="queued_count")
    sent = serializers.IntegerField(source="sent_count")
    failed = serializers.IntegerField(source="failed_count")
    skipped = serializers.IntegerField(source="skipped_count")


class DeliverySerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment_id")
    name = serializers.CharField(source="enrolment.user.full_name")
    email = serializers.EmailField()
    language = serializers.CharField(help_text="Of the email's fixed wording.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(
        source="last_error", help_text="The mail server's last error, if any."
    )


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    sent_by = serializers.IntegerField(source="sent_by_id", allow_null=True)
    audience = serializers.ChoiceField(choices=MessageAudience.choices)
    subject = serializers.CharField()
    body = serializers.CharField()
    body_html = serializers.CharField(help_text="The body rendered and sanitised.")
    created_at = serializers.DateTimeField()
    recipients = serializers.IntegerField()
    counts = DeliveryCountsSerializer(source="*")


class MessageDetailSerializer(MessageSerializer):
    deliveries = DeliverySerializer(many=True, source="delivery_list")


def _read(message_id: int) -> CohortMessage:
    return with_delivery_counts(CohortMessage.objects.filter(pk=message_id)).get()


class CohortMessagesView(APIView):
    """Message participants of a cohort, one email each, sent in the background; facilitators
    of the cohort and admins."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("cohort_id", int, OpenApiParameter.PATH, description="The cohort."),
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="New for each message; or the body's `request_key`.",
            ),
        ],
        request=NewMessageSerializer,
        responses={
            201: OpenApiResponse(MessageSerializer, description="The message, being sent."),
            200: OpenApiResponse(
                MessageSerializer, description="The message sent before with this request key."
            ),
            **domain_errors(InvalidMessage, NoRecipients, NotAllowed, RequestKeyReused),
        },
        description="Recipients are decided now; one email each is sent in the background, "
        "at a limited rate. Each delivery's status: `GET /api/v1/messages/{id}/`.",
    )
    def post(self, request, cohort_id):
        cohort = get_managed_cohort(request.user, cohort_id)
        data = NewMessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        key = _request_key(request.headers.get(IDEMPOTENCY_HEADER, ""), data.get("request_key"))
        message, created = send_cohort_message(
            cohort,
            by=request.user,
            audience=data["audience"],
            subject=data["subject"],
            body=data["body"],
            request_key=key,
            enrolment_ids=data.get("enrolments"),
        )
        return Response(MessageSerializer(_read(message.pk)).data, status=201 if created else 200)


def _request_key(header: str, field: str | None) -> str:
    header = header.strip()
    if header and field and header != field:
        raise serializers.ValidationError(
            {"request_key": [_("The Idempotency-Key header and request_key differ.")]}
        )
    key = header or field or ""
    if not key:
        message = _("Give a new key for each message: the Idempotency-Key header, or request_key.")
        raise serializers.ValidationError({"request_key": [message]})
    if len(key) > MAX_REQUEST_KEY_LENGTH:
        message = _("At most %(limit)d characters.") % {"limit": MAX_REQUEST_KEY_LENGTH}
        raise serializers.ValidationError({"request_key": [message]})
    return key


class MessageDetailView(APIView):
    """A message to participants, with how many deliveries are in each status and each one;
    facilitators of its cohort and admins."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("message_id", int, OpenApiParameter.PATH, description="The message.")
        ],
        responses={200: MessageDetailSerializer},
    )
    def get(self, request, message_id):
        cohort_id = get_object_or_404(
            CohortMessage.objects.values_list("cohort_id", flat=True), pk=message_id
        )
        get_managed_cohort(request.user, cohort_id)  # 404 unless the user manages it
        message = _read(message_id)
        message.delivery_list = list(
            message.deliveries.select_related("enrolment__user").order_by("pk")
        )
        return Response(MessageDetailSerializer(message).data)
