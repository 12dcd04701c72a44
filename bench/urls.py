from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/reference/<int:lesson_id>/", views.reference, name="bench-reference"),
    path("", include("elearn.urls")),
]
