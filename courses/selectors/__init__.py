"""Reads for the catalogue, course, lesson and learners' pages, with a fixed number of
queries each, and who may reach what: `access` (a participant's current enrolment, the cohorts
someone manages: the rules every page, endpoint and service asks), `catalogue` (courses, their
versions in other languages, the course page), `lesson_page` (the lesson page and a learner's
progress, in SQL written by hand) and `learning` (My learning)."""

from .access import (
    CURRENT,
    can_manage_cohort,
    get_current_enrolment,
    get_managed_cohort,
    list_managed_cohorts,
    offers_facilitation,
)
from .catalogue import (
    CatalogueEntry,
    RejoinTerms,
    get_course_page,
    get_course_with_outline,
    get_rejoin_terms,
    list_catalogue,
    list_catalogue_entries,
    list_joinable_cohorts,
    list_versions,
    other_versions,
)
from .learning import get_my_learning
from .lesson_page import get_lesson_page, progress_for

__all__ = [
    "CURRENT",
    "CatalogueEntry",
    "RejoinTerms",
    "can_manage_cohort",
    "get_course_page",
    "get_course_with_outline",
    "get_current_enrolment",
    "get_lesson_page",
    "get_managed_cohort",
    "get_my_learning",
    "get_rejoin_terms",
    "list_catalogue",
    "list_catalogue_entries",
    "list_joinable_cohorts",
    "list_managed_cohorts",
    "list_versions",
    "offers_facilitation",
    "other_versions",
    "progress_for",
]
