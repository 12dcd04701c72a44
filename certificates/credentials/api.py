"""The credentials in the API: the owner's download, and the check anyone may make."""

import json

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..views import VerificationThrottle
from .verifying import MAX_CREDENTIAL_CHARS, CredentialState, verify_credential
from .views import credential_response


class EnvelopeSerializer(serializers.Serializer):
    """The VCDM 2.0 EnvelopedVerifiableCredential: the VC-JWT in a data: URL."""

    context = serializers.CharField(source="@context")
    id = serializers.CharField(help_text="`data:application/vc+jwt,` and the compact JWS.")
    type = serializers.CharField()

    def to_representation(self, instance):
        return {"@context": instance["@context"], "id": instance["id"], "type": instance["type"]}


class CredentialView(APIView):
    """The certificate's Open Badges 3.0 credential (an EnvelopedVerifiableCredential holding
    the signed VC-JWT), for its owner alone; 404 for anyone else, and while the certificate
    has none (revoked, not issued yet, or issued while no signing key was configured)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: EnvelopeSerializer})
    def get(self, request, code):
        return credential_response(selectors.get_credential_for(request.user, code))


class CredentialCheckRequestSerializer(serializers.Serializer):
    credential = serializers.JSONField(
        help_text=(
            "The EnvelopedVerifiableCredential (as a JSON object or as text), or the compact "
            f"JWS alone; at most {MAX_CREDENTIAL_CHARS:,} characters."
        )
    )

    def validate_credential(self, value):
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > MAX_CREDENTIAL_CHARS:
            raise serializers.ValidationError(
                f"At most {MAX_CREDENTIAL_CHARS:,} characters: this is not a credential."
            )
        return text


class CredentialCheckSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=CredentialState.choices,
        help_text=(
            "`valid`, `revoked` or `superseded` (re-issued after a correction) for a credential "
            "this site issued, unchanged; `tampered` (the signature does not match the content), "
            "`unknown_issuer` (not signed by a key of this site's did.json) or `malformed` "
            "(not a VC-JWT, or an algorithm other than EdDSA) otherwise, with status 422."
        ),
    )
    code = serializers.CharField(allow_null=True, help_text="The certificate's code.")
    course_title = serializers.CharField(allow_null=True)
    participant_name = serializers.CharField(allow_null=True)
    issuing_organisation = serializers.CharField(allow_null=True)
    verification_url = serializers.CharField(allow_null=True)


class VerifyCredentialView(APIView):
    """Anyone may check a credential: whether this site issued it, unchanged, and whether it
    is still valid. Checking changes nothing. Rate limited per client address, as code
    look-ups are."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [VerificationThrottle]

    @extend_schema(
        request=CredentialCheckRequestSerializer,
        responses={
            200: CredentialCheckSerializer,
            422: OpenApiResponse(
                CredentialCheckSerializer,
                description="Not a credential this site issued unchanged: tampered, "
                "unknown_issuer or malformed.",
            ),
        },
        auth=[],
    )
    def post(self, request):
        given = CredentialCheckRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = verify_credential(given.validated_data["credential"])
        certificate = result.credential.certificate if result.credential else None
        data = {
            "state": result.state,
            "code": certificate.code if certificate else None,
            "course_title": certificate.course_title if certificate else None,
            "participant_name": certificate.participant_name if certificate else None,
            "issuing_organisation": certificate.issuing_organisation if certificate else None,
            "verification_url": (
                request.build_absolute_uri(certificate.get_absolute_url()) if certificate else None
            ),
        }
        code = status.HTTP_200_OK if result.genuine else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(CredentialCheckSerializer(data).data, status=code)
