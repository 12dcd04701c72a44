from django.urls import path

from . import views
from .credentials import views as credential_views

urlpatterns = [
    path("certificates/verify/", views.verify, name="certificate-verify"),
    path("certificates/verify/<str:code>/", views.verify_code, name="certificate-verify-code"),
    path("certificates/<str:code>/pdf/", views.download, name="certificate-download"),
    path(
        "certificates/<str:code>/credential/",
        credential_views.download,
        name="certificate-credential",
    ),
    path("certificates/credentials/check/", credential_views.check, name="credential-check"),
    # Stable: every credential names this URL as its status list.
    path(
        "credentials/status/revocation/",
        credential_views.status_list,
        name="credential-status-list",
    ),
    # Beside the facilitator pages (courses/facilitator_urls.py): a cohort's certificates.
    path(
        "facilitate/cohorts/<int:cohort_id>/certificates/",
        views.cohort_certificates,
        name="facilitate-cohort-certificates",
    ),
    path(
        "facilitate/cohorts/<int:cohort_id>/certificates/batches/<int:batch_id>/zip/",
        views.cohort_certificates_zip,
        name="facilitate-cohort-certificates-zip",
    ),
    path(
        "facilitate/cohorts/<int:cohort_id>/certificates/batches/<int:batch_id>/progress/",
        views.cohort_batch_progress,
        name="facilitate-cohort-batch-progress",
    ),
]
