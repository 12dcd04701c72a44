"""Plain data for a course package: what the reader returns and the writer takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
MISSING = object()
# Limits of the model fields the specs are written to, so a package that does not fit is
# refused with a clear error instead of failing (PostgreSQL) or being cut short (SQLite).
TITLE_LENGTH = 200
SMALL_INT_MAX = 32767


@dataclass
class LessonSpec:
    slug: str
    title: str
    minutes: int
    body: str
    source: str
    optional: bool = False


@dataclass
class ChoiceSpec:
    key: str
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass
class PairSpec:
    key: str
    prompt: str
    answer: str


@dataclass
class QuestionSpec:
    key: str
    type: str
    prompt: str
    points: int = 1
    feedback_correct: str = ""
    feedback_incorrect: str = ""
    partial_credit: bool = False
    accepted_answers: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    choices: list[ChoiceSpec] = field(default_factory=list)
    pairs: list[PairSpec] = field(default_factory=list)


@dataclass
class QuizSpec:
    slug: str
    title: str
    description: str
    pass_mark: int
    max_attempts: int | None
    time_limit_minutes: int | None
    shuffle_questions: bool
    shuffle_choices: bool
    draw_count: int | None
    review_policy: str
    questions: list[QuestionSpec]
    source: str
    optional: bool = False


@dataclass
class ModuleSpec:
    slug: str
    title: str
    lessons: list[LessonSpec]
    quizzes: list[QuizSpec]


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    language: str
    estimated_hours: Decimal
    published: bool
    order: int
    modules: list[ModuleSpec]
    translation_of: str | None = None  # the slug of the original course, for a translation
    # What the reader let through but the author should know (a GIFT category ignored, ...).
    warnings: list[str] = field(default_factory=list)
