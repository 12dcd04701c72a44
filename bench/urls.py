from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/reference/<int:lesson_id>/", views.reference, name="bench-reference"),
    path(
        "bench/lesson-by-orm/<slug:course_slug>/<slug:lesson_slug>/",
        views.lesson_by_orm,
        name="bench-lesson-by-orm",
    ),
    path(
        "bench/lesson-unprepared/<slug:course_slug>/<slug:lesson_slug>/",
        views.lesson_unprepared,
        name="bench-lesson-unprepared",
    ),
    path(
        "bench/write-reference/<int:attempt_id>/",
        views.WriteReference.as_view(),
        name="bench-write-reference",
    ),
    path("", include("elearn.urls")),
]
