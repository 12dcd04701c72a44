from django.shortcuts import render

from . import selectors


def home(request):
    courses = selectors.list_catalogue(request.user)
    return render(request, "courses/home.html", {"courses": courses})


def course_detail(request, slug):
    course = selectors.get_course_with_outline(request.user, slug)
    return render(request, "courses/course_detail.html", {"course": course})


def lesson_detail(request, course_slug, lesson_slug):
    context = selectors.get_lesson_page(request.user, course_slug, lesson_slug)
    return render(request, "courses/lesson_detail.html", context)
