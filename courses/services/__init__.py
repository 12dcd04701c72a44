"""Everything that changes courses, cohorts, enrolments and progress.

packages: course packages in and out; enrolment: cohorts and enrolments; progress: lesson
completion, last lesson visited and course completion.
"""

from .packages import (
    ImportResult,
    apply_course_spec,
    course_spec,
    export_course_package,
    import_course_package,
)

__all__ = [
    "ImportResult",
    "apply_course_spec",
    "course_spec",
    "export_course_package",
    "import_course_package",
]
