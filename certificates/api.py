from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .views import VerificationThrottle


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
            "valid": certificate.status == "issued",
            "participant_name": certificate.participant_name,
            "course_title": certificate.course_title,
            "completed_on": certificate.completed_on,
            "issuing_organisation": certificate.issuing_organisation,
            "revoked_at": certificate.revoked_at,
            "revoke_reason": certificate.revoke_reason,
        }
        return Response(VerificationSerializer(data).data)


class PdfView(APIView):
    """The certificate's PDF, for its owner, the facilitators of its cohort and admins."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="the PDF")})
    def get(self, request, code):
        certificate = selectors.get_certificate_pdf_for(request.user, code)
        return FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=f"certificate-{certificate.code}.pdf",
            content_type="application/pdf",
        )
