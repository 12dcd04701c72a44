"""The cohort dashboard's reads: each participant's progress through the modules, who is at
risk, and each module's funnel, in a fixed number of queries whatever the cohort's size.

Rules, in one place for the dashboard, its API, nudges and exports:

- The participants are the cohort's current enrolments (active or completed); who withdrew
  is left out.
- A module is *started* when the participant opened or completed one of its lessons or
  attempted one of its quizzes, and *complete* when every required lesson is complete and
  every required quiz passed (courses.progress, the rule of the participant's own pages).
- A participant is *at risk* when their enrolment is active (not completed) and either they
  have done nothing for the cohort's `at_risk_after_days` (counted from their last activity,
  or from enrolling if they have done nothing yet), or a module is not complete after its due
  date: their own extension if a facilitator granted one, else the cohort's date, passed in
  the cohort's time zone.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from quizzes.models import Attempt, AttemptStatus

from .models import (
    Cohort,
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    LessonVisit,
    ModuleDueDate,
)
from .outline import Outline, OutlineModule, get_outline
from .progress import compute_progress
from .services.enrolment import CURRENT

NOT_STARTED, IN_PROGRESS, COMPLETED, AT_RISK = "not_started", "in_progress", "completed", "at_risk"
STATES = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    AT_RISK: _("At risk"),
}
INACTIVE, OVERDUE = "inactive", "overdue"  # why a participant is at risk
SORTS = ("name", "email", "progress", "activity", "state")
_ENROLMENT_VALUES = (
    "id", "user_id", "status", "enrolled_at", "completed_at", "last_activity_at",
    "user__full_name", "user__email", "user__country", "user__organisation_type",
)  # fmt: skip


@dataclass(frozen=True)
class QuizCell:
    quiz_id: int
    title: str
    attempts: int
    best_score: Decimal | None
    passed: bool
    optional: bool


@dataclass(frozen=True)
class ModuleCell:
    module_id: int
    lessons_done: int
    lessons_required: int
    quizzes: tuple[QuizCell, ...]
    started: bool
    complete: bool
    due_on: date | None
    extended: bool
    overdue: bool


@dataclass(frozen=True)
class ParticipantRow:
    enrolment_id: int
    user_id: int
    name: str
    email: str
    country: str
    organisation_type: str
    status: str  # the enrolment's: active or completed
    enrolled_at: datetime
    completed_at: datetime | None
    last_activity_at: datetime | None
    percent: int
    modules: tuple[ModuleCell, ...]
    certificate_status: str | None
    certificate_code: str | None
    at_risk_reasons: tuple[str, ...]

    @property
    def at_risk(self) -> bool:
        return bool(self.at_risk_reasons)

    @property
    def state(self) -> str:
        if self.status == EnrolmentStatus.COMPLETED:
            return COMPLETED
        return IN_PROGRESS if any(m.started for m in self.modules) else NOT_STARTED


@dataclass(frozen=True)
class ModuleFunnel:
    module: OutlineModule
    started: int
    completed: int
    quiz_passed: int | None  # None: the module has no quiz


@dataclass(frozen=True)
class CohortProgress:
    cohort: Cohort
    outline: Outline
    today: date  # in the cohort's time zone
    rows: tuple[ParticipantRow, ...]
    funnel: tuple[ModuleFunnel, ...] = field(default=())

    @property
    def at_risk_count(self) -> int:
        return sum(1 for row in self.rows if row.at_risk)

    @property
    def completed_count(self) -> int:
        return sum(1 for row in self.rows if row.state == COMPLETED)

    @property
    def not_started_count(self) -> int:
        return sum(1 for row in self.rows if row.state == NOT_STARTED)


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
        current.values(*_ENROLMENT_VALUES).order_by("user__full_name", "user__email", "id")
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
    quizzes: dict[int, dict[int, tuple[int, Decimal | None, bool]]] = defaultdict(dict)
    for row in (
        Attempt.objects.filter(quiz__course_id=course_id, user_id__in=participants)
        .values("user_id", "quiz_id")
        .annotate(
            attempts=Count("id"),
            best=Max("score", filter=Q(status=AttemptStatus.SUBMITTED)),
            passes=Count("id", filter=Q(passed=True)),
        )
    ):
        quizzes[row["user_id"]][row["quiz_id"]] = (row["attempts"], row["best"], row["passes"] > 0)
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
    today = _today(cohort, now)
    inactive_since = now - timedelta(days=cohort.at_risk_after_days)
    return tuple(
        _row(
            e,
            outline,
            completed=completed[e["user_id"]],
            visited=visited[e["user_id"]],
            quizzes=quizzes[e["user_id"]],
            due={**due, **extensions[e["id"]]},
            extended=set(extensions[e["id"]]),
            certificate=certificates.get(e["id"], (None, None)),
            today=today,
            inactive_since=inactive_since,
        )
        for e in enrolments
    )


def _row(
    enrolment: dict,
    outline: Outline,
    *,
    completed: set[int],
    visited: set[int],
    quizzes: dict[int, tuple[int, Decimal | None, bool]],
    due: dict[int, date],
    extended: set[int],
    certificate: tuple[str | None, str | None],
    today: date,
    inactive_since: datetime,
) -> ParticipantRow:
    passed = {quiz_id for quiz_id, (_n, _best, ok) in quizzes.items() if ok}
    progress = compute_progress(
        outline, completed_lesson_ids=completed, passed_quiz_ids=passed, due_dates=due
    )
    cells = []
    for module_progress in progress.modules:
        module = module_progress.module
        lessons = [i for i in module.items if i.kind == "lesson"]
        quiz_cells = tuple(
            QuizCell(
                quiz_id=item.id,
                title=item.title,
                attempts=quizzes.get(item.id, (0, None, False))[0],
                best_score=quizzes.get(item.id, (0, None, False))[1],
                passed=item.id in passed,
                optional=item.optional,
            )
            for item in module.items
            if item.kind == "quiz"
        )
        started = any(i.id in completed or i.id in visited for i in lessons) or any(
            q.attempts for q in quiz_cells
        )
        complete = module_progress.done == module_progress.total
        due_on = module_progress.due_on
        cells.append(
            ModuleCell(
                module_id=module.id,
                lessons_done=sum(1 for i in lessons if not i.optional and i.id in completed),
                lessons_required=sum(1 for i in lessons if not i.optional),
                quizzes=quiz_cells,
                started=started,
                complete=complete,
                due_on=due_on,
                extended=module.id in extended,
                overdue=due_on is not None and due_on < today and not complete,
            )
        )
    active = enrolment["status"] == EnrolmentStatus.ACTIVE
    last = enrolment["last_activity_at"]
    reasons = []
    if active and (last or enrolment["enrolled_at"]) < inactive_since:
        reasons.append(INACTIVE)
    if active and any(cell.overdue for cell in cells):
        reasons.append(OVERDUE)
    return ParticipantRow(
        enrolment_id=enrolment["id"],
        user_id=enrolment["user_id"],
        name=enrolment["user__full_name"] or enrolment["user__email"],
        email=enrolment["user__email"],
        country=enrolment["user__country"] or "",
        organisation_type=enrolment["user__organisation_type"] or "",
        status=enrolment["status"],
        enrolled_at=enrolment["enrolled_at"],
        completed_at=enrolment["completed_at"],
        last_activity_at=last,
        percent=100 if not active else progress.percent,
        modules=tuple(cells),
        certificate_status=certificate[0],
        certificate_code=certificate[1],
        at_risk_reasons=tuple(reasons),
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


def filter_rows(
    rows: tuple[ParticipantRow, ...] | list[ParticipantRow],
    *,
    state: str = "",
    country: str = "",
    organisation_type: str = "",
    search: str = "",
) -> list[ParticipantRow]:
    """The rows matching every filter given (an empty one matches all); `search` looks in
    names and email addresses, ignoring case."""
    needle = search.strip().casefold()
    return [
        row
        for row in rows
        if (not state or (row.at_risk if state == AT_RISK else row.state == state))
        and (not country or row.country == country)
        and (not organisation_type or row.organisation_type == organisation_type)
        and (not needle or needle in row.name.casefold() or needle in row.email.casefold())
    ]


def sort_rows(
    rows: list[ParticipantRow], *, key: str = "name", descending: bool = False
) -> list[ParticipantRow]:
    """Rows in the order of one of SORTS (by name within equals); never-active participants
    come last when sorting by activity, whichever the direction."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.email))
    if key == "name":
        return list(reversed(by_name)) if descending else by_name
    if key == "activity":
        active = [r for r in by_name if r.last_activity_at is not None]
        never = [r for r in by_name if r.last_activity_at is None]
        return sorted(active, key=lambda r: r.last_activity_at, reverse=descending) + never
    sort_key = {
        "email": lambda r: r.email,
        "progress": lambda r: r.percent,
        "state": lambda r: (not r.at_risk, list(STATES).index(r.state)),
    }[key]
    return sorted(by_name, key=sort_key, reverse=descending)


def list_at_risk_enrolments(cohort: Cohort, *, now: datetime | None = None) -> list[int]:
    """Ids of the cohort's enrolments at risk now (the module's rule)."""
    return [row.enrolment_id for row in get_cohort_progress(cohort, now=now).rows if row.at_risk]
