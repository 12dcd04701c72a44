from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from accounts.views import privacy_notice
from certificates.credentials.views import did_json

from . import offline
from .api_docs import ApiDocsView

admin.site.site_header = format_lazy(_("{site} administration"), site=settings.SITE_NAME)
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("", include("certificates.urls")),
    path("facilitate/", include("courses.facilitator_urls")),
    path("reports/", include("reports.urls")),
    path("facilitate/", include("quizzes.facilitator_urls")),
    path("facilitate/", include("lti.facilitator_urls")),
    path("lti/", include("lti.urls")),
    path("privacy/", privacy_notice, name="privacy"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("elearn.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # At the root: a service worker controls the pages under the folder it is served from.
    path("sw.js", offline.service_worker, name="service-worker"),
    path("offline/", offline.offline_page, name="offline"),
    # did:web: the keys that sign the certificates' Open Badges credentials.
    path(".well-known/did.json", did_json, name="did-document"),
]

handler400 = "elearn.errors.bad_request"
handler404 = "elearn.errors.not_found"
handler500 = "elearn.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
