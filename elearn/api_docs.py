"""The API's browsable docs at /api/docs/: drf-spectacular's Swagger UI, its files served from
this site (drf-spectacular-sidecar), under a Content-Security-Policy of its own."""

import secrets

from django.conf import settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI under the site's policy, widened only as far as it needs: its start-up script
    is inline (it holds the CSRF token, so it changes with each response and has no fixed hash)
    and runs by a nonce made for the response, and its stylesheet draws icons as data: images.
    The page's own styles are in static/css/api-docs.css
    (templates/drf_spectacular/swagger_ui.html).

    Not drf-spectacular's split view, which serves that script at a URL of its own: any site
    could include it with a <script> tag and read the signed-in visitor's CSRF token."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        nonce = secrets.token_urlsafe(18)
        response.data["csp_nonce"] = nonce  # rendered after this returns
        response.headers["Content-Security-Policy"] = (
            f"{settings.CONTENT_SECURITY_POLICY}; script-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:"
        )
        return response
