from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from elearn.errors import DomainError
from elearn.offline import allow_offline_copy

from . import selectors
from .models import Cohort, Course, EnrolmentStatus, Lesson
from .selectors.access import get_current_enrolment
from .services.enrolment import enrol as enrol_service
from .services.enrolment import withdraw as withdraw_service
from .services.progress import record_lesson_completion, record_lesson_visit


def home(request):
    entries = selectors.list_catalogue_entries(request.user, get_language())
    return render(request, "courses/home.html", {"entries": entries})


def course_detail(request, slug):
    context = selectors.get_course_page(request.user, slug)
    return render(request, "courses/course_detail.html", context)


def lesson_detail(request, course_slug, lesson_slug):
    context = selectors.get_lesson_page(request.user, course_slug, lesson_slug)
    if context["enrolment"] is not None:
        record_lesson_visit(context["enrolment"], context["lesson"])
    return allow_offline_copy(request, render(request, "courses/lesson_detail.html", context))


@login_required
@require_POST
def enrol(request, slug):
    course = get_object_or_404(Course.objects.visible_to(request.user), slug=slug)
    cohort_id = request.POST.get("cohort", "")
    cohort = (
        Cohort.objects.filter(course=course, pk=int(cohort_id)).first()
        if cohort_id.isdigit()
        else None
    )
    if cohort is None:
        messages.error(request, _("Choose a cohort to join."))
        return redirect(course)
    try:
        enrol_service(request.user, cohort, key=request.POST.get("key", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(course)
    name = _("Self-paced") if cohort.is_default else cohort.name
    messages.success(request, _("You are enrolled in %(cohort)s.") % {"cohort": name})
    return redirect(course)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, slug):
    """GET: what leaving means and what coming back will need; POST (from that page, naming the
    enrolment it showed): leave."""
    course = get_object_or_404(Course.objects.visible_to(request.user), slug=slug)
    enrolment = get_current_enrolment(request.user, course)
    if request.method == "GET":
        if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
            return redirect(course)
        enrolment.cohort.course = course  # the same row: no second look-up
        context = {
            "course": course,
            "enrolment": enrolment,
            "rejoin": selectors.get_rejoin_terms(enrolment.cohort),
        }
        return render(request, "courses/withdraw.html", context)
    shown = request.POST.get("enrolment", "")
    if not shown.isdigit():
        raise BadRequest("No enrolment named.")
    if enrolment is None or enrolment.pk != int(shown):
        raise Http404  # not the participant's current enrolment in this course
    try:
        withdraw_service(enrolment, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the course. Your progress is kept."))
    return redirect(course)


@login_required
@require_POST
def complete_lesson(request, course_slug, lesson_slug):
    lesson = get_object_or_404(
        Lesson.objects.select_related("course").filter(
            course__in=Course.objects.visible_to(request.user)
        ),
        course__slug=course_slug,
        slug=lesson_slug,
    )
    try:
        outcome = record_lesson_completion(request.user, lesson)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(lesson)
    if outcome.course_completed:
        messages.success(request, _("You have completed the course. Well done!"))
        return redirect(lesson.course)
    # Said on the next page, which may be another lesson. The title is in the course's
    # language: isolated (FSI…PDI), so that it does not reorder the sentence around it.
    messages.success(
        request,
        _("Marked as complete: “%(lesson)s”.") % {"lesson": f"\u2068{lesson.title}\u2069"},
    )
    target = request.POST.get("next_url", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(lesson)


@login_required
def my_learning(request):
    rows = selectors.get_my_learning(request.user)
    return render(request, "courses/my_learning.html", {"rows": rows})
