"""The cohort dashboard's one read: each current participant's row and each module's funnel,
in a fixed number of queries whatever the cohort's size (rules: courses.dashboard)."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from certificates.models import Certificate
from quizzes.models import Attempt, AttemptStatus

from ..models import (
    Cohort,
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    LessonVisit,
    ModuleDueDate,
)
from ..outline import Outline, OutlineItem, OutlineModule, get_outline
from ..progress import CourseProgress, ModuleProgress, compute_progress
from ..selectors.access import CURRENT
from .rows import (
    INACTIVE,
    OVERDUE,
    CohortProgress,
    ModuleCell,
    ModuleFunnel,
    ParticipantRow,
    QuizCell,
)

_ENROLMENT_VALUES = (
    "id", "user_id", "status", "enrolled_at", "completed_at", "last_activity_at",
    "user__full_name", "user__email", "user__country", "user__organisation_type",
    "user__deleted_at",
)  # fmt: skip


def get_cohort_progress(cohort: Cohort, *, now: datetime | None = None) -> CohortProgress:
    """Every current participant's progress in the cohort, at risk or not, and each module's
    funnel: seven queries (the outline comes from the cache)."""
    now = now or timezone.now()
    outline = get_outline(cohort.course)
    rows = _rows(cohort, outline, Enrolment.objects.filter(cohort=cohort), now=now)
    return CohortProgress(
        cohort=cohort,
        outline=outline,
        today=_today(cohort, now),
        rows=rows,
        funnel=_funnel(outline, rows),
    )


def get_participant_progress(
    cohort: Cohort, enrolment_id: int, *, now: datetime | None = None
) -> ParticipantRow:
    """One current participant's row of the dashboard (Http404 if not in the cohort)."""
    rows = _rows(
        cohort,
        get_outline(cohort.course),
        Enrolment.objects.filter(cohort=cohort, pk=enrolment_id),
        now=now or timezone.now(),
    )
    if not rows:
        raise Http404("No such participant.")
    return rows[0]


def _today(cohort: Cohort, now: datetime) -> date:
    return timezone.localdate(now, timezone=zoneinfo.ZoneInfo(cohort.time_zone))


def _rows(
    cohort: Cohort, outline: Outline, enrolments_of: QuerySet[Enrolment], *, now: datetime
) -> tuple[ParticipantRow, ...]:
    course_id = cohort.course_id
    current = enrolments_of.filter(status__in=CURRENT)
    participants = current.values("user_id")
    enrolments = list(
        current.values_list(*_ENROLMENT_VALUES).order_by("user__full_name", "user__email", "id")
    )
    if not enrolments:
        return ()
    completed: dict[int, set[int]] = defaultdict(set)
    for user_id, lesson_id in LessonCompletion.objects.filter(
        lesson__course_id=course_id, user_id__in=participants
    ).values_list("user_id", "lesson_id"):
        completed[user_id].add(lesson_id)
    visited: dict[int, set[int]] = defaultdict(set)
    for user_id, lesson_id in LessonVisit.objects.filter(
        lesson__course_id=course_id, user_id__in=participants
    ).values_list("user_id", "lesson_id"):
        visited[user_id].add(lesson_id)
    quizzes: dict[int, dict[int, _QuizRecord]] = defaultdict(dict)
    for user_id, quiz_id, attempts, best, passes in (
        Attempt.objects.filter(quiz__course_id=course_id, user_id__in=participants)
        .values("user_id", "quiz_id")
        .annotate(
            attempts=Count("id"),
            best=Max("score", filter=Q(status=AttemptStatus.SUBMITTED)),
            passes=Count("id", filter=Q(passed=True)),
        )
        .values_list("user_id", "quiz_id", "attempts", "best", "passes")
    ):
        quizzes[user_id][quiz_id] = (attempts, best, passes > 0)
    due = dict(ModuleDueDate.objects.filter(cohort=cohort).values_list("module_id", "due_on"))
    extensions: dict[int, dict[int, date]] = defaultdict(dict)
    for enrolment_id, module_id, due_on in DueDateExtension.objects.filter(
        enrolment__in=current
    ).values_list("enrolment_id", "module_id", "due_on"):
        extensions[enrolment_id][module_id] = due_on
    certificates = {
        enrolment_id: (status, code)
        for enrolment_id, status, code in Certificate.objects.filter(
            enrolment__in=current
        ).values_list("enrolment_id", "status", "code")
    }
    maker = _RowMaker(
        outline,
        due=due,
        today=_today(cohort, now),
        inactive_since=now - timedelta(days=cohort.at_risk_after_days),
    )
    nothing: frozenset[int] = frozenset()
    rows = []
    for enrolment in enrolments:
        enrolment_id, user_id = enrolment[:2]  # _ENROLMENT_VALUES
        rows.append(
            maker.row(
                enrolment,
                completed=completed.get(user_id, nothing),
                visited=visited.get(user_id, nothing),
                quizzes=quizzes.get(user_id, {}),
                extensions=extensions.get(enrolment_id, {}),
                certificate=certificates.get(enrolment_id, (None, None)),
            )
        )
    return tuple(rows)


# A participant's record at a quiz: attempts, best submitted score, whether one passed.
_QuizRecord = tuple[int, Decimal | None, bool]
_NO_RECORD: _QuizRecord = (0, None, False)


@dataclass(frozen=True)
class _ModuleShape:
    """What the rows need of a module of the outline, worked out once per read."""

    module: OutlineModule
    lesson_ids: frozenset[int]
    required_lesson_ids: frozenset[int]
    quizzes: tuple[OutlineItem, ...]


class _RowMaker:
    """The rows of one read, for a cohort of any size (bench/dashboard.py: 1,000 participants
    within the page's 150 ms). What depends on the outline alone is worked out once per read,
    not once per participant; and what many participants share is made once and shared, being
    immutable: the course progress of the same lessons completed and quizzes passed under the
    same due dates (compute_progress, the rule, is a pure function of them), and the cells of
    modules and quizzes where they did the same. Fewer objects are also fewer for the garbage
    collector, whose full passes otherwise added 50 ms to one request in three."""

    def __init__(
        self, outline: Outline, *, due: dict[int, date], today: date, inactive_since: datetime
    ):
        self.outline = outline
        self.due = due
        self.today = today
        self.inactive_since = inactive_since
        self.shapes = tuple(_shape(module) for module in outline.modules)
        self._progress: dict[tuple, CourseProgress] = {}
        self._quiz_cells: dict[tuple[int, _QuizRecord | None], QuizCell] = {}
        self._module_cells: dict[tuple, ModuleCell] = {}

    def row(
        self,
        enrolment: tuple,  # _ENROLMENT_VALUES
        *,
        completed: set[int],
        visited: set[int],
        quizzes: dict[int, _QuizRecord],
        extensions: dict[int, date],
        certificate: tuple[str | None, str | None],
    ) -> ParticipantRow:
        (enrolment_id, user_id, status, enrolled_at, completed_at, last, name, email, country,
         organisation_type, deleted_at) = enrolment  # fmt: skip
        if deleted_at is not None:  # erased (accounts.services.privacy): nothing to show
            name, email = gettext("Deleted account"), ""
        passed = frozenset(quiz_id for quiz_id, (_n, _best, ok) in quizzes.items() if ok)
        progress = self._course_progress(frozenset(completed), passed, extensions)
        cells = tuple(
            self._module_cell(shape, module_progress, completed, visited, quizzes, extensions)
            for shape, module_progress in zip(self.shapes, progress.modules, strict=True)
        )
        active = status == EnrolmentStatus.ACTIVE
        reasons = []
        # A deleted account can never come back: not at risk, and no nudge reaches it.
        at_risk = active and deleted_at is None
        if at_risk and (last or enrolled_at) < self.inactive_since:
            reasons.append(INACTIVE)
        if at_risk and any(cell.overdue for cell in cells):
            reasons.append(OVERDUE)
        return ParticipantRow(
            enrolment_id=enrolment_id,
            user_id=user_id,
            name=name or email,
            email=email,
            country=country or "",
            organisation_type=organisation_type or "",
            status=status,
            enrolled_at=enrolled_at,
            completed_at=completed_at,
            last_activity_at=last,
            percent=100 if not active else progress.percent,
            modules=cells,
            certificate_status=certificate[0],
            certificate_code=certificate[1],
            at_risk_reasons=tuple(reasons),
            account_deleted=deleted_at is not None,
        )

    def _course_progress(
        self, completed: frozenset[int], passed: frozenset[int], extensions: dict[int, date]
    ) -> CourseProgress:
        key = (completed, passed, tuple(sorted(extensions.items())))
        progress = self._progress.get(key)
        if progress is None:
            progress = self._progress[key] = compute_progress(
                self.outline,
                completed_lesson_ids=completed,
                passed_quiz_ids=passed,
                due_dates={**self.due, **extensions},
            )
        return progress

    def _module_cell(
        self,
        shape: _ModuleShape,
        module_progress: ModuleProgress,
        completed: set[int],
        visited: set[int],
        quizzes: dict[int, _QuizRecord],
        extensions: dict[int, date],
    ) -> ModuleCell:
        records = tuple(quizzes.get(item.id) for item in shape.quizzes)
        lessons_done = len(shape.required_lesson_ids & completed)
        started = (
            not shape.lesson_ids.isdisjoint(completed)
            or not shape.lesson_ids.isdisjoint(visited)
            or any(record is not None for record in records)  # one attempt or more
        )
        due_on = module_progress.due_on
        extended = shape.module.id in extensions
        key = (shape.module.id, records, lessons_done, started, module_progress.done, due_on,
               extended)  # fmt: skip
        cell = self._module_cells.get(key)
        if cell is None:
            complete = module_progress.done == module_progress.total
            cell = self._module_cells[key] = ModuleCell(
                module_id=shape.module.id,
                lessons_done=lessons_done,
                lessons_required=len(shape.required_lesson_ids),
                quizzes=tuple(
                    self._quiz_cell(item, record)
                    for item, record in zip(shape.quizzes, records, strict=True)
                ),
                started=started,
                complete=complete,
                due_on=due_on,
                extended=extended,
                overdue=due_on is not None and due_on < self.today and not complete,
            )
        return cell

    def _quiz_cell(self, item: OutlineItem, record: _QuizRecord | None) -> QuizCell:
        key = (item.id, record)
        cell = self._quiz_cells.get(key)
        if cell is None:
            attempts, best, passed = record or _NO_RECORD
            cell = self._quiz_cells[key] = QuizCell(
                quiz_id=item.id,
                title=item.title,
                attempts=attempts,
                best_score=best,
                passed=passed,
                optional=item.optional,
            )
        return cell


def _shape(module: OutlineModule) -> _ModuleShape:
    lessons = [item for item in module.items if item.kind == "lesson"]
    return _ModuleShape(
        module=module,
        lesson_ids=frozenset(item.id for item in lessons),
        required_lesson_ids=frozenset(item.id for item in lessons if not item.optional),
        quizzes=tuple(item for item in module.items if item.kind == "quiz"),
    )


def _funnel(outline: Outline, rows: tuple[ParticipantRow, ...]) -> tuple[ModuleFunnel, ...]:
    funnel = []
    for index, module in enumerate(outline.modules):
        cells = [row.modules[index] for row in rows]
        has_quiz = any(item.kind == "quiz" for item in module.items)
        funnel.append(
            ModuleFunnel(
                module=module,
                started=sum(1 for c in cells if c.started),
                completed=sum(1 for c in cells if c.complete),
                quiz_passed=(
                    sum(1 for c in cells if c.quizzes and _quizzes_passed(c)) if has_quiz else None
                ),
            )
        )
    return tuple(funnel)


def _quizzes_passed(cell: ModuleCell) -> bool:
    """Every required quiz of the module passed (any one, if all are optional)."""
    required = [q for q in cell.quizzes if not q.optional]
    return all(q.passed for q in required) if required else any(q.passed for q in cell.quizzes)


def list_at_risk_enrolments(cohort: Cohort, *, now: datetime | None = None) -> list[int]:
    """Ids of the cohort's enrolments at risk now (the module's rule)."""
    return [row.enrolment_id for row in get_cohort_progress(cohort, now=now).rows if row.at_risk]
