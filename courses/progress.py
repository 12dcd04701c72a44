"""A participant's progress through a course, computed from the outline and what they did.

Pure functions over plain data, so pages and the API share one rule: a module's and the course's
percentage count the required (non-optional) lessons completed and quizzes passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .outline import Outline, OutlineItem, OutlineModule


@dataclass(frozen=True)
class ModuleProgress:
    module: OutlineModule
    done: int
    total: int
    due_on: date | None = None

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


@dataclass(frozen=True)
class CourseProgress:
    modules: tuple[ModuleProgress, ...]
    completed_lesson_ids: frozenset[int]
    passed_quiz_ids: frozenset[int]
    next_lesson: OutlineItem | None

    @property
    def done(self) -> int:
        return sum(m.done for m in self.modules)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    def is_done(self, item: OutlineItem) -> bool:
        ids = self.completed_lesson_ids if item.kind == "lesson" else self.passed_quiz_ids
        return item.id in ids


def compute_progress(
    outline: Outline,
    *,
    completed_lesson_ids: frozenset[int] | set[int],
    passed_quiz_ids: frozenset[int] | set[int],
    last_lesson_id: int | None = None,
    due_dates: dict[int, date] | None = None,
) -> CourseProgress:
    """Progress per module and for the course, and the lesson to resume at.

    The lesson to resume at is the first lesson not yet completed after the last one visited,
    else the first not completed at all, else None.
    """
    # Only this course's items: callers may pass what the participant did in every course.
    lesson_ids = {item.id for item in outline.lessons}
    quiz_ids = {item.id for m in outline.modules for item in m.items if item.kind == "quiz"}
    completed = frozenset(completed_lesson_ids) & lesson_ids
    passed = frozenset(passed_quiz_ids) & quiz_ids
    modules = []
    for module in outline.modules:
        required = [item for item in module.items if not item.optional]
        done = sum(
            1 for item in required if item.id in (completed if item.kind == "lesson" else passed)
        )
        due_on = (due_dates or {}).get(module.id)
        modules.append(ModuleProgress(module=module, done=done, total=len(required), due_on=due_on))
    lessons = outline.lessons
    start = next((i for i, item in enumerate(lessons) if item.id == last_lesson_id), 0)
    unfinished = [item for item in lessons[start:] + lessons[:start] if item.id not in completed]
    return CourseProgress(
        modules=tuple(modules),
        completed_lesson_ids=completed,
        passed_quiz_ids=passed,
        next_lesson=unfinished[0] if unfinished else None,
    )
