"""The REST API's router and URLs under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import LogoutAllView, LogoutView, MeView, MyDataView, ObtainTokenView
from certificates.api import CertificateListView, PdfView, VerifyView
from certificates.credentials.api import CredentialView, VerifyCredentialView
from courses.api import CohortViewSet, CourseViewSet, EnrolmentViewSet, LessonViewSet
from courses.dashboard_api import CohortAtRiskView, CohortProgressView
from courses.messages_api import CohortMessagesView, MessageDetailView
from quizzes.api import AttemptViewSet, QuizAttemptsView, QuizViewSet
from reports.api import CompletionsView, SummaryView
from reports.exports.api import ExportFileView, ExportJobView, ExportsView

router = DefaultRouter()
router.register("courses", CourseViewSet, basename="api-course")
router.register("cohorts", CohortViewSet, basename="api-cohort")
router.register("enrolments", EnrolmentViewSet, basename="api-enrolment")
router.register("lessons", LessonViewSet, basename="api-lesson")
router.register("quizzes", QuizViewSet, basename="api-quiz")
router.register("attempts", AttemptViewSet, basename="api-attempt")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="api-logout-all"),
    path("me/", MeView.as_view(), name="api-me"),
    path("me/export/", MyDataView.as_view(), name="api-me-export"),
    path("certificates/", CertificateListView.as_view(), name="api-certificates"),
    path("certificates/verify/<str:code>/", VerifyView.as_view(), name="api-certificate-verify"),
    path("certificates/<str:code>/pdf/", PdfView.as_view(), name="api-certificate-pdf"),
    path(
        "certificates/<str:code>/credential/",
        CredentialView.as_view(),
        name="api-certificate-credential",
    ),
    path("credentials/verify/", VerifyCredentialView.as_view(), name="api-credential-verify"),
    path("quizzes/<int:quiz_id>/attempts/", QuizAttemptsView.as_view(), name="api-quiz-attempts"),
    path(
        "cohorts/<int:cohort_id>/progress/",
        CohortProgressView.as_view(),
        name="api-cohort-progress",
    ),
    path("cohorts/<int:cohort_id>/at-risk/", CohortAtRiskView.as_view(), name="api-cohort-at-risk"),
    path(
        "cohorts/<int:cohort_id>/messages/",
        CohortMessagesView.as_view(),
        name="api-cohort-messages",
    ),
    path("messages/<int:message_id>/", MessageDetailView.as_view(), name="api-message"),
    path("reports/summary/", SummaryView.as_view(), name="api-reports-summary"),
    path("reports/completions/", CompletionsView.as_view(), name="api-reports-completions"),
    path("exports/", ExportsView.as_view(), name="api-exports"),
    path("exports/<int:export_id>/", ExportJobView.as_view(), name="api-export"),
    path("exports/<int:export_id>/file/", ExportFileView.as_view(), name="api-export-file"),
    path("", include(router.urls)),
]
