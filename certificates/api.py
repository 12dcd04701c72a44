from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from elearn.input import optional_id_field

from . import selectors
from .models import CertificateStatus
from .views import VerificationThrottle, pdf_response


class VerificationSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    valid = serializers.BooleanField()
    participant_name = serializers.CharField()
    course_title = serializers.CharField()
    completed_on = serializers.DateField()
    issuing_organisation = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField(allow_blank=True)
    credential = serializers.ChoiceField(
        choices=["valid", "revoked", "none"],
        help_text="Its Open Badges 3.0 credential: `valid`, `revoked` (with the certificate), or "
        "`none` (issued while no signing key was configured). Check a credential itself with "
        "`POST /api/v1/credentials/verify/`.",
    )


class VerifyView(APIView):
    """Anyone may check a certificate by its code: valid or revoked, and what it certifies;
    nothing else about the person. Rate limited per client address."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [VerificationThrottle]

    @extend_schema(responses=VerificationSerializer, auth=[])
    def get(self, request, code):
        certificate = selectors.get_public_certificate(code)
        data = {
            "code": certificate.code,
            "status": certificate.status,
            "valid": certificate.is_valid,
            "participant_name": certificate.participant_name,
            "course_title": certificate.course_title,
            "completed_on": certificate.completed_on,
            "issuing_organisation": certificate.issuing_organisation,
            "revoked_at": certificate.revoked_at,
            "revoke_reason": certificate.revoke_reason,
            "credential": (
                ("valid" if certificate.is_valid else "revoked")
                if selectors.has_live_credential(certificate)
                else "none"
            ),
        }
        return Response(VerificationSerializer(data).data)


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf` (the file itself is a FileResponse)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfView(APIView):
    """The certificate's PDF, for its owner, the facilitators of its cohort and admins."""

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    def handle_exception(self, exc):
        # Errors are JSON ({"code", "detail"}) even for a client that asked for the PDF only.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="the PDF")})
    def get(self, request, code):
        return pdf_response(selectors.get_certificate_pdf_for(request.user, code))


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(
        choices=CertificateStatus.choices,
        help_text="`pending` while it is being issued (or held until the cohort closes).",
    )
    course = serializers.SlugField(source="enrolment.course.slug")
    course_title = serializers.CharField()
    cohort = serializers.IntegerField(source="enrolment.cohort_id")
    cohort_name = serializers.CharField(allow_blank=True)
    enrolment = serializers.IntegerField(source="enrolment_id")
    participant_name = serializers.CharField()
    completed_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    issuing_organisation = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField(allow_blank=True)
    verification_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField(
        help_text="Null until it is issued, and once revoked."
    )
    credential_url = serializers.SerializerMethodField(
        help_text="Its Open Badges 3.0 credential (JSON) to download, for its owner alone; null "
        "while it has none (not issued, revoked, or issued while no signing key was "
        "configured) and for anyone else."
    )

    def get_verification_url(self, certificate) -> str:
        return self.context["request"].build_absolute_uri(certificate.get_absolute_url())

    def get_pdf_url(self, certificate) -> str | None:
        if certificate.status != CertificateStatus.ISSUED:
            return None
        path = reverse("api-certificate-pdf", kwargs={"code": certificate.code})
        return self.context["request"].build_absolute_uri(path)

    def get_credential_url(self, certificate) -> str | None:
        if certificate.status != CertificateStatus.ISSUED or not certificate.has_credential:
            return None
        path = reverse("api-certificate-credential", kwargs={"code": certificate.code})
        return self.context["request"].build_absolute_uri(path)


class CertificateListQuerySerializer(serializers.Serializer):
    cohort = optional_id_field(
        "The certificates of this cohort's participants, for its facilitators and admins (404 "
        "for anyone else)."
    )


@extend_schema_view(get=extend_schema(parameters=[CertificateListQuerySerializer]))
class CertificateListView(generics.ListAPIView):
    """Certificates, newest first, with where to verify and download each: the signed-in
    user's own (also on My learning); every certificate for admins; with `cohort`, that
    cohort's, for its facilitators and admins."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CertificateSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no user
            return selectors.Certificate.objects.none()
        query = CertificateListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.list_certificates_for(
            self.request.user, cohort_id=query.validated_data.get("cohort")
        )
