from django.urls import path

from . import views

urlpatterns = [
    path("quizzes/<int:quiz_id>/", views.quiz_detail, name="quiz-detail"),
    path("quizzes/<int:quiz_id>/start/", views.start, name="quiz-start"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt-detail"),
]
