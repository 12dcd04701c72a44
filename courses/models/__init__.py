from .cohorts import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    EnrolmentUpload,
    Invitation,
    ModuleDueDate,
    validate_time_zone,
)
from .progress import LessonCompletion
from .structure import Course, CourseQuerySet, Lesson, Module, new_outline_key

__all__ = [
    "Cohort",
    "Course",
    "CourseQuerySet",
    "Enrolment",
    "EnrolmentStatus",
    "EnrolmentUpload",
    "Invitation",
    "Lesson",
    "LessonCompletion",
    "Module",
    "ModuleDueDate",
    "new_outline_key",
    "validate_time_zone",
]
