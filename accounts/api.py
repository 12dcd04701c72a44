from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from elearn.schema import domain_errors

from . import services
from .authentication import TokenAuthentication
from .exceptions import TooManySignInAttempts
from .models import User
from .services import privacy


class CountryCodeField(serializers.ChoiceField):
    """A country as its ISO 3166 code, "" when none was given.

    django-countries gives a blank country as an empty Country object, which DRF's ChoiceField
    would hand to the JSON encoder as it is. Input is the code only, as the schema says
    (django-countries' own serializer field would also take names).
    """

    def __init__(self, **kwargs):
        super().__init__(choices=sorted(countries.countries), allow_blank=True, **kwargs)

    def to_representation(self, value):
        return getattr(value, "code", value) or ""


class ProfileSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(max_length=200, allow_blank=False)
    country = CountryCodeField(required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "country",
            "organisation",
            "organisation_type",
            "preferred_language",
            "is_facilitator",
            "is_staff",
        ]
        read_only_fields = ["id", "email", "is_facilitator", "is_staff"]

    def update(self, instance, validated_data):
        return services.update_profile(instance, **validated_data)


class MeView(APIView):
    """The signed-in user's profile."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ProfileSerializer

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        # allauth's authenticate, so that failures count against the same per-account and
        # per-address limits as the sign-in page (shared cache), a locked account is refused
        # here too, and a success gives back its own attempt as it does on the page.
        request = self.context["request"]._request
        try:
            user = get_adapter(request).authenticate(
                request, email=attrs["email"], password=attrs["password"]
            )
        except DjangoValidationError as error:  # the only one: too many failed attempts
            raise TooManySignInAttempts(error.messages[0]) from None
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                _("Unable to sign in with these credentials."), code="authorization"
            )
        # The same rule as allauth's sign-in page, which the API must not be a way around.
        if (
            allauth_settings.EMAIL_VERIFICATION
            == allauth_settings.EmailVerificationMethod.MANDATORY
            and not has_verified_email(user, attrs["email"])
        ):
            raise serializers.ValidationError(
                _("Confirm your email address before asking for a token."),
                code="unverified",
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        source="key",
        help_text="Send it as `Authorization: Token <token>`. Shown once: the server keeps "
        "only its digest.",
    )
    expiry = serializers.DateTimeField(
        help_text="When it stops working (API_TOKEN_TTL_HOURS after it was issued); then "
        "ask for a new one."
    )


class ObtainTokenView(APIView):
    """Exchange an email and password for a new API token, which expires (rate limited per
    client address). Each call gives a new token; earlier ones keep working until they expire
    or are revoked."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **domain_errors(TooManySignInAttempts)},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        issued = services.issue_api_token(serializer.validated_data["user"])
        return Response(TokenSerializer(issued).data)


class LogoutView(APIView):
    """Revoke the token this request is signed with."""

    # Only a token says which token to revoke.
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.revoke_api_token(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the signed-in user (all their API clients); their sessions on
    the site stay."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.revoke_api_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _records(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.DictField(), help_text=help_text)


class PersonalDataSerializer(serializers.Serializer):
    """The shape of the export (documentation only: accounts.services.privacy builds it)."""

    format = serializers.CharField(help_text=f"Always `{privacy.EXPORT_FORMAT}`.")
    version = serializers.IntegerField(help_text="The version of this format.")
    exported_at = serializers.DateTimeField()
    profile = serializers.DictField(
        help_text="Email, full name, country (ISO code), organisation and its type, preferred "
        "language, when the account was made and last signed in to, email addresses, roles."
    )
    enrolments = _records("Course, cohort, status and dates of each enrolment.")
    lesson_completions = _records("Each lesson completed, with its course and time.")
    lesson_visits = _records("Lessons opened: first and last time, how many visits.")
    activity_months = _records("The months in which the user was active on each course.")
    quiz_attempts = _records(
        "Each attempt: quiz, number, status, times, score, whether it passed, the answers "
        "(by question id, as stored) and the grading of each question."
    )
    certificates = _records(
        "Each certificate: code, status, the name printed on it, course, dates, verification "
        "address, and its digital credentials (Open Badges 3.0, as VC-JWTs)."
    )
    messages_received = _records(
        "Messages from facilitators: course, cohort, subject, body (Markdown), the address "
        "it was sent to, delivery status and time."
    )
    api_tokens = _records("When each live API token was issued and when it expires.")
    learning_platforms = _records(
        "What LTI platforms (Moodle, Canvas...) that opened courses here said about the user: "
        "the platform, the user's id, name and email there, when they first came, and the "
        "gradebook columns their scores went to, with each score and when it was sent."
    )


class MyDataView(APIView):
    """Everything the platform keeps about the signed-in user, as one JSON document: the same
    file as the download on the profile page."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PersonalDataSerializer)
    def get(self, request):
        response = Response(privacy.export_personal_data(request.user))
        response["Cache-Control"] = "no-store"
        return response
