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
from .messages import CohortMessage, DeliveryStatus, MessageAudience, MessageDelivery
from .progress import ActivityMonth, LessonCompletion, LessonVisit
from .structure import Course, CourseQuerySet, Lesson, Module, new_outline_key

__all__ = [
    "ActivityMonth",
    "Cohort",
    "CohortMessage",
    "Course",
    "CourseQuerySet",
    "DeliveryStatus",
    "DueDateExtension",
    "Enrolment",
    "EnrolmentStatus",
    "EnrolmentUpload",
    "Invitation",
    "Lesson",
    "LessonCompletion",
    "LessonVisit",
    "MessageAudience",
    "MessageDelivery",
    "Module",
    "ModuleDueDate",
    "new_outline_key",
    "validate_time_zone",
]
