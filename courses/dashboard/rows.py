"""What the cohort dashboard shows: the participants' states and the rows and cells of the
progress matrix (read by courses.dashboard.reading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from certificates.models import CertificateStatus

from ..models import Cohort, EnrolmentStatus
from ..outline import Outline, OutlineModule

NOT_STARTED, IN_PROGRESS, COMPLETED, AT_RISK = "not_started", "in_progress", "completed", "at_risk"
STATES = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    AT_RISK: _("At risk"),
}
INACTIVE, OVERDUE = "inactive", "overdue"  # why a participant is at risk
SORTS = ("name", "email", "progress", "activity", "state")


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
    account_deleted: bool = False  # erased: shown as "Deleted account", never messaged

    @property
    def at_risk(self) -> bool:
        return bool(self.at_risk_reasons)

    @property
    def certificate_issued(self) -> bool:
        """Whether the participant has a valid certificate (pages link to it)."""
        return self.certificate_status == CertificateStatus.ISSUED

    @property
    def certificate_status_label(self) -> str:
        """The certificate's state in the reader's language; empty without a certificate."""
        return CertificateStatus(self.certificate_status).label if self.certificate_status else ""

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
