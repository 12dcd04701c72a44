"""The reference view: the least work any signed-in page of the same size has to do."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from courses.models import Lesson

MAX_PADDING = 1_000_000


@login_required
def reference(request, lesson_id):
    """Session authentication, one query (a lesson's title and HTML), one template render.

    `?pad=N` appends N bytes so that the body is exactly as large as the page it is compared
    with; bench/run.py works N out before measuring.
    """
    title, body_html = Lesson.objects.values_list("title", "body_html").get(pk=lesson_id)
    pad = min(max(int(request.GET.get("pad", "0")), 0), MAX_PADDING)
    context = {"title": title, "body_html": body_html, "padding": "x" * pad}
    return render(request, "bench/reference.html", context)
