from django.shortcuts import render

from . import selectors


def home(request):
    courses = selectors.list_catalogue(request.user)
    return render(request, "courses/home.html", {"courses": courses})


def course_detail(request, slug):
    context = selectors.get_course_page(request.user, slug)
    return render(request, "courses/course_detail.html", context)


def lesson_detail(request, course_slug, lesson_slug):
    context = selectors.get_lesson_page(request.user, course_slug, lesson_slug)
    return render(request, "courses/lesson_detail.html", context)
