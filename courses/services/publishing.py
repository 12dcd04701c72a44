"""Publishing a course: the one place that says what a published course has."""

from __future__ import annotations

from django.db import transaction

from ..models import Cohort, Course
from .enrolment import ensure_default_cohort


@transaction.atomic
def publish_course(course: Course) -> Cohort:
    """Publish the course (if it is not already) and give it its self-paced default cohort,
    created once, so that anyone can enrol in it by themselves. Returns that cohort.

    Every door that publishes calls it: the admin (form and list), the course package importer
    and, for a course already saved, the shell (`publish_course(course)`).
    """
    if not course.published:
        course.published = True
        course.save(update_fields=["published"])
    return ensure_default_cohort(course)
