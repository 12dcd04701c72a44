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

from .listing import filter_rows, sort_rows
from .reading import get_cohort_progress, get_participant_progress, list_at_risk_enrolments
from .rows import (
    AT_RISK,
    COMPLETED,
    IN_PROGRESS,
    INACTIVE,
    NOT_STARTED,
    OVERDUE,
    SORTS,
    STATES,
    CohortProgress,
    ModuleCell,
    ModuleFunnel,
    ParticipantRow,
    QuizCell,
)

__all__ = [
    "AT_RISK",
    "COMPLETED",
    "INACTIVE",
    "IN_PROGRESS",
    "NOT_STARTED",
    "OVERDUE",
    "SORTS",
    "STATES",
    "CohortProgress",
    "ModuleCell",
    "ModuleFunnel",
    "ParticipantRow",
    "QuizCell",
    "filter_rows",
    "get_cohort_progress",
    "get_participant_progress",
    "list_at_risk_enrolments",
    "sort_rows",
]  # fmt: skip
