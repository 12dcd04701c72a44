from .cohorts import (
    Cohort,
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    EnrolmentUpload,
    Invitation,
    ModuleDueDate,
    validate_time_zone,
)
from .progress import LessonCompletion, LessonVisit
from .structure import Course, CourseQuerySet, Lesson, Module, new_outline_key

__all__ = [
    "Cohort",
    "Course",
    "CourseQuerySet",
    "DueDateExtension",
    "Enrolment",
    "EnrolmentStatus",
    "EnrolmentUpload",
    "Invitation",
    "Lesson",
    "LessonCompletion",
    "LessonVisit",
    "Module",
    "ModuleDueDate",
    "new_outline_key",
    "validate_time_zone",
]
