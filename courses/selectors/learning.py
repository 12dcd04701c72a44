"""Reads for a learner's own page (My learning)."""

from datetime import date

from django.db.models import Exists, OuterRef, Value
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus, Credential
from quizzes.models import Attempt

from ..models import DueDateExtension, Enrolment, LessonCompletion, ModuleDueDate
from ..outline import get_outlines
from ..progress import compute_progress
from .access import CURRENT


def get_my_learning(user) -> list[dict]:
    """The user's current enrolments (active, then completed) with progress and due dates
    (their own extension, if a facilitator granted one, in place of the cohort's date).

    A fixed number of queries whatever the number of enrolments: enrolments, completions,
    passed quizzes, due dates and extensions, each read once for all courses; outlines from
    the cache.
    """
    enrolments = list(
        Enrolment.objects.filter(user=user, status__in=CURRENT)
        .select_related("course", "cohort")
        .order_by("status", "-enrolled_at")
    )
    if not enrolments:
        return []
    outlines = get_outlines({e.course_id: e.course for e in enrolments}.values())
    completed = set(
        LessonCompletion.objects.filter(
            user=user, lesson__course_id__in=list(outlines)
        ).values_list("lesson_id", flat=True)
    )
    passed = set(
        Attempt.objects.filter(
            user=user, passed=True, quiz__course_id__in=list(outlines)
        ).values_list("quiz_id", flat=True)
    )
    # The cohorts' due dates and the participant's own extensions, which replace them: one
    # query (a union), by cohort id and by enrolment id.
    due: dict[int, dict[int, date]] = {}
    extended: dict[int, dict[int, date]] = {}
    cohort_dates = ModuleDueDate.objects.filter(
        cohort_id__in=[e.cohort_id for e in enrolments]
    ).values_list("cohort_id", "module_id", "due_on", Value(False))
    extensions = DueDateExtension.objects.filter(enrolment__in=enrolments).values_list(
        "enrolment_id", "module_id", "due_on", Value(True)
    )
    cohort_dates, extensions = cohort_dates.order_by(), extensions.order_by()  # SQLite: no ORDER
    for owner_id, module_id, due_on, is_extension in cohort_dates.union(extensions, all=True):
        (extended if is_extension else due).setdefault(owner_id, {})[module_id] = due_on
    live_credentials = Credential.objects.filter(
        certificate=OuterRef("pk"), superseded_at__isnull=True
    )
    certificates = {
        c.enrolment_id: c
        for c in Certificate.objects.filter(
            enrolment__in=enrolments, status=CertificateStatus.ISSUED
        )
        .only("enrolment_id", "code", "status")
        .annotate(has_credential=Exists(live_credentials))
    }
    today = timezone.localdate()
    rows = []
    for enrolment in enrolments:
        progress = compute_progress(
            outlines[enrolment.course_id],
            completed_lesson_ids=completed,
            passed_quiz_ids=passed,
            last_lesson_id=enrolment.last_lesson_id,
            due_dates={**due.get(enrolment.cohort_id, {}), **extended.get(enrolment.pk, {})},
        )
        upcoming = sorted(
            (m for m in progress.modules if m.due_on and m.due_on >= today and m.percent < 100),
            key=lambda m: m.due_on,
        )
        rows.append(
            {
                "enrolment": enrolment,
                "progress": progress,
                "upcoming": upcoming,
                "certificate": certificates.get(enrolment.pk),
            }
        )
    return rows
