"""Reading and writing course packages (docs/course-package.md).

`read_package` turns a folder into plain specs and checks everything before the database is
touched; `write_package` turns specs back into a folder. Applying specs to the database is a
service (courses.services.import_course_package).
"""

from .reader import read_package
from .specs import ChoiceSpec, CourseSpec, LessonSpec, ModuleSpec, PairSpec, QuestionSpec, QuizSpec
from .writer import write_package

__all__ = [
    "ChoiceSpec",
    "CourseSpec",
    "LessonSpec",
    "ModuleSpec",
    "PairSpec",
    "QuestionSpec",
    "QuizSpec",
    "read_package",
    "write_package",
]
