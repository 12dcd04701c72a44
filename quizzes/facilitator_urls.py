"""Facilitator pages of quizzes, under /facilitate/ (beside courses.facilitator_urls)."""

from django.urls import path

from . import facilitator_views as views

urlpatterns = [
    path(
        "cohorts/<int:cohort_id>/quizzes/",
        views.cohort_quizzes,
        name="facilitate-cohort-quizzes",
    ),
    path(
        "cohorts/<int:cohort_id>/quizzes/<int:quiz_id>/",
        views.quiz_analysis,
        name="facilitate-quiz-analysis",
    ),
    path("quizzes/<int:quiz_id>/", views.quiz_analysis_all, name="facilitate-quiz-analysis-all"),
]
