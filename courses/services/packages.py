"""Course packages in and out: import_course_package, export_course_package."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch

from quizzes.models import Choice, MatchPair, Question, QuestionType, Quiz

from ..exceptions import PackageError
from ..models import Course, Lesson, Module
from ..packages import (
    ChoiceSpec,
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    PairSpec,
    QuestionSpec,
    QuizSpec,
    read_package,
    write_package,
)
from .publishing import publish_course


@dataclass
class ImportResult:
    course: Course
    created: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    # What the package's reader let through but the author should know (docs/question-banks.md).
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str, what: str) -> None:
        bucket = self.counts.setdefault(kind, {"created": 0, "updated": 0, "deleted": 0})
        bucket[what] += 1


def import_course_package(path: str | Path) -> ImportResult:
    """Create or update a course from a package folder, all or nothing.

    The whole package is read and checked first (PackageError names the file and line). Modules,
    lessons, quizzes, questions, choices and pairs are matched by slug or key, so their ids, and
    learners' progress, survive a re-import; whatever the package no longer lists is deleted.
    """
    spec = read_package(path)
    result = apply_course_spec(spec)
    result.warnings = list(spec.warnings)
    return result


@transaction.atomic
def apply_course_spec(spec: CourseSpec) -> ImportResult:
    """Make the database's course match the spec (see import_course_package).

    A translation's original must be in the database already (PackageError otherwise, before
    anything is written): the course's versions are checked by Course.clean.
    """
    original = _check_versions(spec)
    course, created = Course.objects.select_for_update().update_or_create(
        slug=spec.slug,
        defaults={
            "title": spec.title,
            "summary": spec.summary,
            "language": spec.language,
            "translation_of": original,
            "estimated_hours": spec.estimated_hours,
            "published": spec.published,
            "order": spec.order,
        },
    )
    result = ImportResult(course=course, created=created)
    result.count("courses", "created" if created else "updated")

    modules = _sync(
        result,
        "modules",
        {m.slug: m for m in course.modules.all()},
        [(m.slug, {"title": m.title, "order": i}) for i, m in enumerate(spec.modules)],
        lambda key, values: Module(course=course, slug=key, **values),
        delete_leftovers=False,
    )
    lessons = [
        (
            lesson.slug,
            {
                "module": modules[m.slug],
                "title": lesson.title,
                "body": lesson.body,
                "estimated_minutes": lesson.minutes,
                "optional": lesson.optional,
                "order": i,
            },
        )
        for m in spec.modules
        for i, lesson in enumerate(m.lessons)
    ]
    _sync(
        result,
        "lessons",
        {lesson.slug: lesson for lesson in course.lessons.all()},
        lessons,
        lambda key, values: Lesson(slug=key, **values),
    )

    quiz_specs = {q.slug: q for m in spec.modules for q in m.quizzes}
    quizzes = _sync(
        result,
        "quizzes",
        {q.slug: q for q in course.quizzes.all()},
        [
            (q.slug, {"module": modules[m.slug], "order": i, **_quiz_values(q)})
            for m in spec.modules
            for i, q in enumerate(m.quizzes)
        ],
        lambda key, values: Quiz(slug=key, **values),
    )
    for slug, quiz in quizzes.items():
        sync_quiz_questions(result, quiz, quiz_specs[slug].questions)

    # Modules go last, once the lessons and quizzes they held have moved where they now belong.
    leftovers = course.modules.exclude(slug__in=list(modules))
    for _module in leftovers:
        result.count("modules", "deleted")
    leftovers.delete()
    if course.published:
        publish_course(course)
    return result


def _check_versions(spec: CourseSpec) -> Course | None:
    """The spec's original course (None for an original), once the course it describes is
    known to pass Course.clean and the one-translation-per-language constraint; PackageError
    naming course.yaml otherwise."""
    original = None
    if spec.translation_of:
        original = Course.objects.filter(slug=spec.translation_of).first()
        if original is None:
            raise PackageError(
                f"translation_of: there is no course {spec.translation_of!r} "
                "(import the original course first)",
                file="course.yaml",
            )
    course = Course.objects.filter(slug=spec.slug).first() or Course(slug=spec.slug)
    course.language, course.translation_of = spec.language, original
    try:
        course.clean()
        course.validate_constraints()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        field = "translation_of" if field == NON_FIELD_ERRORS else field
        raise PackageError(f"{field}: {messages[0]}", file="course.yaml") from None
    return original


def _quiz_values(quiz: QuizSpec) -> dict:
    return {
        "title": quiz.title,
        "description": quiz.description,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "time_limit_minutes": quiz.time_limit_minutes,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_choices": quiz.shuffle_choices,
        "draw_count": quiz.draw_count,
        "review_policy": quiz.review_policy,
        "optional": quiz.optional,
    }


def sync_quiz_questions(
    result: ImportResult,
    quiz: Quiz,
    specs: list[QuestionSpec],
    *,
    first_order: int = 0,
    delete_leftovers: bool = True,
) -> None:
    """Write question specs (with their choices and pairs) to a quiz, matched by key: the one
    path from specs to rows, for packages and question files. Questions the specs do not list
    are deleted unless delete_leftovers is False; counts go to `result`. The caller holds the
    transaction."""
    questions = _sync(
        result,
        "questions",
        {q.key: q for q in quiz.questions.all()},
        [
            (
                q.key,
                {
                    "type": q.type,
                    "prompt": q.prompt,
                    "points": q.points,
                    "order": i,
                    "feedback_correct": q.feedback_correct,
                    "feedback_incorrect": q.feedback_incorrect,
                    "partial_credit": q.partial_credit,
                    "accepted_answers": q.accepted_answers,
                    "numeric_answer": q.numeric_answer,
                    "tolerance": q.tolerance,
                },
            )
            for i, q in enumerate(specs, start=first_order)
        ],
        lambda key, values: Question(quiz=quiz, key=key, **values),
        delete_leftovers=delete_leftovers,
    )
    for spec in specs:
        question = questions[spec.key]
        _sync(
            result,
            "choices",
            {c.key: c for c in question.choices.all()},
            [
                (
                    c.key,
                    {"text": c.text, "is_correct": c.correct, "feedback": c.feedback, "order": i},
                )
                for i, c in enumerate(spec.choices)
            ],
            lambda key, values, question=question: Choice(question=question, key=key, **values),
        )
        _sync(
            result,
            "pairs",
            {p.key: p for p in question.pairs.all()},
            [
                (p.key, {"prompt": p.prompt, "answer": p.answer, "order": i})
                for i, p in enumerate(spec.pairs)
            ],
            lambda key, values, question=question: MatchPair(question=question, key=key, **values),
        )


def _sync(result, kind, existing, wanted, build, *, delete_leftovers=True):
    """Update `existing` objects (by key) to `wanted` values, create the missing, delete the rest.

    Rows whose values are unchanged are not written, so a re-import of an unchanged package
    writes nothing but the course row.
    """
    kept = {}
    for key, values in wanted:
        obj = existing.pop(key, None)
        if obj is None:
            obj = build(key, values)
            obj.save()
            result.count(kind, "created")
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save()
            result.count(kind, "updated")
        kept[key] = obj
    if delete_leftovers:
        for obj in existing.values():
            obj.delete()
            result.count(kind, "deleted")
    return kept


def course_spec(course: Course) -> CourseSpec:
    """The course as a package spec: what export_course_package writes."""
    modules = course.modules.prefetch_related(
        "lessons",
        Prefetch(
            "quizzes",
            queryset=Quiz.objects.prefetch_related(
                Prefetch(
                    "questions", queryset=Question.objects.prefetch_related("choices", "pairs")
                )
            ),
        ),
    )
    return CourseSpec(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        language=course.language,
        translation_of=course.translation_of.slug if course.translation_of_id else None,
        estimated_hours=course.estimated_hours,
        published=course.published,
        order=course.order,
        modules=[
            ModuleSpec(
                slug=module.slug,
                title=module.title,
                lessons=[
                    LessonSpec(
                        slug=lesson.slug,
                        title=lesson.title,
                        minutes=lesson.estimated_minutes,
                        optional=lesson.optional,
                        body=lesson.body,
                        source=f"lessons/{lesson.slug}.md",
                    )
                    for lesson in module.lessons.all()
                ],
                quizzes=[quiz_spec(quiz) for quiz in module.quizzes.all()],
            )
            for module in modules
        ],
    )


def quiz_spec(quiz: Quiz) -> QuizSpec:
    """The quiz as a package spec (prefetch its questions' choices and pairs)."""
    return QuizSpec(
        slug=quiz.slug,
        title=quiz.title,
        description=quiz.description,
        pass_mark=quiz.pass_mark,
        max_attempts=quiz.max_attempts,
        time_limit_minutes=quiz.time_limit_minutes,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_choices=quiz.shuffle_choices,
        draw_count=quiz.draw_count,
        review_policy=quiz.review_policy,
        optional=quiz.optional,
        source=f"quizzes/{quiz.slug}.yaml",
        questions=[
            QuestionSpec(
                key=q.key,
                type=q.type,
                prompt=q.prompt,
                points=q.points,
                feedback_correct=q.feedback_correct,
                feedback_incorrect=q.feedback_incorrect,
                partial_credit=q.partial_credit
                and q.type in (QuestionType.MULTIPLE_RESPONSE, QuestionType.MATCHING),
                accepted_answers=list(q.accepted_answers),
                numeric_answer=q.numeric_answer.normalize()
                if q.numeric_answer is not None
                else None,
                tolerance=q.tolerance.normalize(),
                choices=[
                    ChoiceSpec(key=c.key, text=c.text, correct=c.is_correct, feedback=c.feedback)
                    for c in q.choices.all()
                ],
                pairs=[
                    PairSpec(key=p.key, prompt=p.prompt, answer=p.answer) for p in q.pairs.all()
                ],
            )
            for q in quiz.questions.all()
        ],
    )


def export_course_package(course: Course, path: str | Path) -> None:
    """Write the course as a package folder that imports back to the same course."""
    write_package(course_spec(course), path)
