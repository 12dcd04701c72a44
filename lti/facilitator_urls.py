from django.urls import path

from . import views

urlpatterns = [
    path("cohorts/<int:cohort_id>/lti/", views.cohort_lti, name="lti-cohort"),
]
