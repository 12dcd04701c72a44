"""Reference views: the least work a signed-in page, or an authenticated API write, of the same
size has to do."""

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.models import Lesson
from courses.selectors.lesson_page import get_lesson_page_by_orm
from courses.services.progress import record_lesson_visit
from courses.views import lesson_detail
from quizzes.models import Attempt

MAX_PADDING = 1_000_000


def _padding(request) -> str:
    return "x" * min(max(int(request.GET.get("pad", "0")), 0), MAX_PADDING)


@login_required
def reference(request, lesson_id):
    """Session authentication, one query (a lesson's title and HTML), one template render.

    `?pad=N` appends N bytes so that the body is exactly as large as the page it is compared
    with; bench/run.py works N out before measuring.
    """
    title, body_html = Lesson.objects.values_list("title", "body_html").get(pk=lesson_id)
    context = {"title": title, "body_html": body_html, "padding": _padding(request)}
    return render(request, "bench/reference.html", context)


def lesson_by_orm(request, course_slug, lesson_slug):
    """The lesson page by its plain path: courses.views.lesson_detail with the lesson read by
    ORM queries (get_lesson_page_by_orm) and the outline rendered by its template. bench/run.py
    lesson-page measures it beside the page, to show what the page's fast paths are worth."""
    context = get_lesson_page_by_orm(request.user, course_slug, lesson_slug)
    if context["enrolment"] is not None:
        record_lesson_visit(context["enrolment"], context["lesson"])
    return render(request, "bench/lesson_by_orm.html", context)


def lesson_unprepared(request, course_slug, lesson_slug):
    """The lesson page with its query planned on every request, not prepared once per
    connection: as a deployment with DATABASE_PREPARED_STATEMENTS=0 serves it. bench/run.py
    lesson-page measures it beside the page, to show what preparing the query is worth."""
    connection.ensure_connection()
    psycopg_connection = connection.connection
    threshold, psycopg_connection.prepare_threshold = psycopg_connection.prepare_threshold, None
    try:
        return lesson_detail(request, course_slug, lesson_slug)
    finally:
        psycopg_connection.prepare_threshold = threshold


class WriteReference(APIView):
    """An authenticated API write: the API's authentication (session or token, the defaults
    the quiz API uses too), a JSON request, then in one transaction one query (the user's own
    attempt, locked) and one write (a timestamp on that row), and a JSON response.

    `?pad=N` pads the response as for `reference`, to the size of a submission's response.
    """

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    def post(self, request, attempt_id):
        if not isinstance(request.data, dict):  # the JSON body is parsed, as for a submission
            raise ValidationError("Send a JSON object.")
        with transaction.atomic():
            attempt = get_object_or_404(
                Attempt.objects.select_for_update().only("pk", "status", "answers_saved_at"),
                pk=attempt_id,
                user_id=request.user.pk,
            )
            attempt.answers_saved_at = timezone.now()
            attempt.save(update_fields=["answers_saved_at"])
        return Response(
            {
                "id": attempt.pk,
                "status": attempt.status,
                "answers_saved_at": attempt.answers_saved_at.isoformat(),
                "padding": _padding(request),
            }
        )
