from django.urls import path

from . import dashboard_views, message_views
from . import facilitator_views as views

urlpatterns = [
    path("", views.cohort_list, name="facilitate-cohorts"),
    path("cohorts/<int:cohort_id>/", dashboard_views.cohort_dashboard, name="facilitate-cohort"),
    path(
        "cohorts/<int:cohort_id>/participants/<int:enrolment_id>/",
        dashboard_views.participant_detail,
        name="facilitate-participant",
    ),
    path(
        "cohorts/<int:cohort_id>/messages/", message_views.message_list, name="facilitate-messages"
    ),
    path(
        "cohorts/<int:cohort_id>/messages/new/",
        message_views.message_new,
        name="facilitate-message-new",
    ),
    path(
        "cohorts/<int:cohort_id>/messages/<int:message_id>/",
        message_views.message_detail,
        name="facilitate-message",
    ),
    path("cohorts/<int:cohort_id>/enrol/", views.enrol_upload, name="facilitate-enrol"),
    path(
        "cohorts/<int:cohort_id>/enrol/<slug:token>/",
        views.enrol_preview,
        name="facilitate-enrol-preview",
    ),
    path(
        "cohorts/<int:cohort_id>/enrol/<slug:token>/confirm/",
        views.enrol_confirm,
        name="facilitate-enrol-confirm",
    ),
]
