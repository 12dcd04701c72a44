from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rest_framework.throttling import SimpleRateThrottle

from . import selectors
from .models import normalise_code


class VerificationThrottle(SimpleRateThrottle):
    """Look-ups of certificate codes per client address (pages and API alike)."""

    scope = "certificate_verify"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled(request) -> bool:
    return not VerificationThrottle().allow_request(request, None)


@require_GET
def verify(request):
    """The form for a code; a code given redirects to its page."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("certificate-verify-code", code=normalise_code(code) or "-")
    return render(request, "certificates/verify.html", {})


@require_GET
def verify_code(request, code):
    if throttled(request):
        return HttpResponse(_("Too many look-ups. Please wait a minute."), status=429)
    try:
        certificate = selectors.get_public_certificate(code)
    except Http404:  # the page says so, with the form again
        return render(request, "certificates/verify.html", {"code": code, "unknown": True},
                      status=404)  # fmt: skip
    return render(request, "certificates/verify.html", {"certificate": certificate})


@require_GET
def download(request, code):
    certificate = selectors.get_certificate_pdf_for(request.user, code)
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )
