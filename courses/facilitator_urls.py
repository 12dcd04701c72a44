from django.urls import path

from . import facilitator_views as views

urlpatterns = [
    path("", views.cohort_list, name="facilitate-cohorts"),
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
