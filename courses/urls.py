from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("learning/", views.my_learning, name="my-learning"),
    path("courses/<slug:slug>/", views.course_detail, name="course-detail"),
    path("courses/<slug:slug>/enrol/", views.enrol, name="course-enrol"),
    path("courses/<slug:slug>/withdraw/", views.withdraw, name="course-withdraw"),
    path(
        "courses/<slug:course_slug>/lessons/<slug:lesson_slug>/",
        views.lesson_detail,
        name="lesson-detail",
    ),
    path(
        "courses/<slug:course_slug>/lessons/<slug:lesson_slug>/complete/",
        views.complete_lesson,
        name="lesson-complete",
    ),
]
