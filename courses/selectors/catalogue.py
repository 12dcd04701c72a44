"""Reads for the catalogue and the course page: courses, their versions in other languages,
their outline and the cohorts one may join."""

from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from quizzes.models import Quiz

from ..models import Cohort, Course, EnrolmentStatus, Module
from ..outline import get_outline
from .access import get_current_enrolment
from .lesson_page import progress_for


def list_catalogue(user):
    """Courses the user may see, with their size, in catalogue order."""
    return (
        Course.objects.visible_to(user)
        .annotate(
            module_count=Count("modules", distinct=True),
            lesson_count=Count("lessons", distinct=True),
        )
        .order_by("order", "title")
    )


def list_versions(user, *courses: Course) -> QuerySet[Course]:
    """The versions of the courses that the user may see: each one's original and all the
    original's translations, the courses themselves included; originals first, then in the
    order of settings.LANGUAGES. One query."""
    originals = {course.original_course_id for course in courses}
    by_language = [When(language=code, then=i) for i, (code, _) in enumerate(settings.LANGUAGES)]
    return (
        Course.objects.visible_to(user)
        .filter(Q(pk__in=originals) | Q(translation_of_id__in=originals))
        .only("id", "slug", "title", "language", "translation_of_id", "published")
        .order_by(F("translation_of_id").asc(nulls_first=True), Case(*by_language), "pk")
    )


def other_versions(user, *courses: Course) -> dict[int, list[Course]]:
    """For each course's id, its other versions the user may see (list_versions). One query."""
    versions: dict[int, list[Course]] = {}
    for version in list_versions(user, *courses):
        versions.setdefault(version.original_course_id, []).append(version)
    return {
        course.pk: [v for v in versions.get(course.original_course_id, []) if v.pk != course.pk]
        for course in courses
    }


@dataclass
class CatalogueEntry:
    course: Course  # the version shown, with its module and lesson counts
    others: list[Course]  # the other versions the visitor may see, as in list_versions


def list_catalogue_entries(user, language: str) -> list[CatalogueEntry]:
    """The catalogue with the versions of one course as one entry, where its first version
    comes: the version in `language` if there is one, otherwise the original (the first
    translation if the user may not see the original). Two queries."""
    courses = list_catalogue(user)
    by_id = {course.pk: course for course in courses}
    groups: dict[int, list[Course]] = {}
    for version in list_versions(user, *courses):
        if version.pk in by_id:
            groups.setdefault(version.original_course_id, []).append(by_id[version.pk])
    entries = []
    for course in courses:
        group = groups.pop(course.original_course_id, None)
        if group is not None:
            shown = next((c for c in group if c.language == language), group[0])
            entries.append(CatalogueEntry(shown, [c for c in group if c is not shown]))
    return entries


def get_course_page(user, slug):
    """The course (404 if missing or not visible), its outline, its other versions, and for a
    signed-in user their enrolment, progress and the cohorts they could join."""
    course = get_object_or_404(Course.objects.visible_to(user), slug=slug)
    outline = get_outline(course)
    enrolment = get_current_enrolment(user, course)
    progress = progress_for(user, outline, enrolment) if enrolment else None
    return {
        "course": course,
        "versions": other_versions(user, course)[course.pk],
        "outline": outline,
        "enrolment": enrolment,
        "progress": progress,
        "cohorts": list_joinable_cohorts(course),
    }


def list_joinable_cohorts(course: Course) -> list[Cohort]:
    """Cohorts one may enrol in oneself: open and not ended where they run (Cohort.has_ended,
    the rule enrol applies); the default self-paced one first."""
    # Time zones are at most a day from UTC: the database drops what ended before yesterday.
    yesterday = timezone.localdate(timezone=UTC) - timedelta(days=1)
    cohorts = [
        cohort
        for cohort in Cohort.objects.filter(course=course, enrolment_open=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=yesterday))
        .annotate(active=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)))
        if not cohort.has_ended()
    ]
    for cohort in cohorts:
        cohort.places_left = max(cohort.capacity - cohort.active, 0) if cohort.capacity else None
    return cohorts


@dataclass(frozen=True)
class RejoinTerms:
    """What someone who leaves a cohort needs to come back to it by themselves: the checks
    `enrol` makes on self-enrolment (courses.services.enrolment). Whoever manages the cohort can
    enrol them again whatever these say."""

    open_now: bool  # the course published, the cohort taking enrolments and not ended
    needs_key: bool
    places_limited: bool
    ends_on: date | None


def get_rejoin_terms(cohort: Cohort) -> RejoinTerms:
    """What rejoining `cohort` after leaving it needs (see RejoinTerms); no query beyond the
    cohort's course."""
    return RejoinTerms(
        open_now=cohort.accepts_self_enrolment(),
        needs_key=bool(cohort.enrolment_key),
        places_limited=cohort.capacity is not None,
        ends_on=cohort.ends_on,
    )


def get_course_with_outline(user, slug):
    """The course (404 if missing or not visible) with modules, lessons and quizzes prefetched.

    For the API, which serialises model instances; pages use the cached outline instead.
    """
    modules = Module.objects.prefetch_related(
        "lessons",
        Prefetch(
            "quizzes",
            queryset=Quiz.objects.annotate(question_count=Count("questions")).order_by(
                "order", "id"
            ),
        ),
    )
    queryset = Course.objects.visible_to(user).prefetch_related(Prefetch("modules", modules))
    return get_object_or_404(queryset, slug=slug)
