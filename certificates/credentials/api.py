"""The credentials in the API: the owner's download, and the check anyone may make."""

import json

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from elearn.schema import domain_errors

from .. import selectors
from ..exceptions import CredentialFromUnknownIssuer, CredentialMalformed, CredentialTampered
from ..views import VerificationThrottle
from .verifying import GENUINE, MAX_CREDENTIAL_CHARS, CredentialState, verify_credential
from .views import credential_response


class EnvelopeSerializer(serializers.Serializer):
    """The VCDM 2.0 EnvelopedVerifiableCredential: the VC-JWT in a data: URL."""

    def get_fields(self):  # "@context" is no Python name
        return {
            "@context": serializers.CharField(help_text="`https://www.w3.org/ns/credentials/v2`"),
            "id": serializers.CharField(help_text="`data:application/vc+jwt,` and the JWS."),
            "type": serializers.CharField(help_text="`EnvelopedVerifiableCredential`"),
        }


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
                _("At most %(count)s characters: this is not a credential.")
                % {"count": number_format(MAX_CREDENTIAL_CHARS, force_grouping=True)}
            )
        return text


class CredentialCheckSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(state.value, state.label) for state in GENUINE],
        help_text="`valid`; `revoked` (its certificate was revoked); `superseded` (its "
        "certificate was re-issued after a correction, with a new credential).",
    )
    code = serializers.CharField(help_text="The certificate's verification code.")
    course_title = serializers.CharField()
    participant_name = serializers.CharField()
    issuing_organisation = serializers.CharField()
    verification_url = serializers.URLField()


NOT_GENUINE = {
    CredentialState.TAMPERED: CredentialTampered,
    CredentialState.UNKNOWN_ISSUER: CredentialFromUnknownIssuer,
    CredentialState.MALFORMED: CredentialMalformed,
}


class VerifyCredentialView(APIView):
    """Anyone may check a credential: whether this site issued it, unchanged, and what became
    of it. One this site cannot vouch for is a 422 naming why. Checking changes nothing. Rate
    limited per client address, as code look-ups are."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [VerificationThrottle]

    @extend_schema(
        request=CredentialCheckRequestSerializer,
        responses={200: CredentialCheckSerializer, **domain_errors(*NOT_GENUINE.values())},
        auth=[],
    )
    def post(self, request):
        given = CredentialCheckRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = verify_credential(given.validated_data["credential"])
        if not result.genuine:
            raise NOT_GENUINE[result.state]()
        certificate = result.credential.certificate
        data = {
            "state": result.state,
            "code": certificate.code,
            "course_title": certificate.course_title,
            "participant_name": certificate.participant_name,
            "issuing_organisation": certificate.issuing_organisation,
            "verification_url": request.build_absolute_uri(certificate.get_absolute_url()),
        }
        return Response(CredentialCheckSerializer(data).data)
