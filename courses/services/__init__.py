"""Everything that changes courses, cohorts, enrolments and progress.

packages: course packages in and out; question_files: GIFT and Moodle XML question files into
and out of a quiz; publishing: publish_course (a published course has its default cohort);
enrolment: cohorts and enrolments; progress: lesson completion, last lesson visited and course
completion; bulk: enrolment of many at once (CSV, uploads, invitations).
"""

from .packages import (
    ImportResult,
    apply_course_spec,
    course_spec,
    export_course_package,
    import_course_package,
)
from .publishing import publish_course
from .question_files import QuestionImport, export_questions, import_questions

__all__ = [
    "ImportResult",
    "QuestionImport",
    "apply_course_spec",
    "course_spec",
    "export_course_package",
    "export_questions",
    "import_course_package",
    "import_questions",
    "publish_course",
]
