"""Writing specs as a course package folder that the reader reads back to the same specs."""

from __future__ import annotations

from pathlib import Path

from quizzes.models import QuestionType

from .specs import CourseSpec, QuizSpec
from .yaml_io import dump


def write_package(spec: CourseSpec, path: str | Path) -> None:
    """Write a course spec as a package folder that read_package reads back to the same spec."""
    root = Path(path)
    (root / "lessons").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    course = {
        "slug": spec.slug,
        "title": spec.title,
        "summary": spec.summary,
        "language": spec.language,
        **({"translation_of": spec.translation_of} if spec.translation_of else {}),
        "estimated_hours": spec.estimated_hours,
        "published": spec.published,
        "order": spec.order,
        "modules": [],
    }
    for module in spec.modules:
        entry = {"slug": module.slug, "title": module.title, "lessons": [], "quizzes": []}
        for lesson in module.lessons:
            relative = f"lessons/{lesson.slug}.md"
            entry["lessons"].append(relative)
            meta = {"slug": lesson.slug, "title": lesson.title, "minutes": lesson.minutes}
            if lesson.optional:
                meta["optional"] = True
            front = dump(meta)
            (root / relative).write_text(f"---\n{front}---\n\n{lesson.body}\n", encoding="utf-8")
        for quiz in module.quizzes:
            relative = f"quizzes/{quiz.slug}.yaml"
            entry["quizzes"].append(relative)
            (root / relative).write_text(dump(_quiz_data(quiz)), encoding="utf-8")
        if not entry["quizzes"]:
            del entry["quizzes"]
        course["modules"].append(entry)
    (root / "course.yaml").write_text(dump(course), encoding="utf-8")


def _quiz_data(quiz: QuizSpec) -> dict:
    data = {
        "slug": quiz.slug,
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
        "questions": [],
    }
    for question in quiz.questions:
        q = {
            "key": question.key,
            "type": question.type,
            "prompt": question.prompt,
            "points": question.points,
            "feedback_correct": question.feedback_correct,
            "feedback_incorrect": question.feedback_incorrect,
        }
        if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE):
            if question.type == QuestionType.MULTIPLE_RESPONSE:
                q["partial_credit"] = question.partial_credit
            q["choices"] = [
                {"key": c.key, "text": c.text, "correct": c.correct, "feedback": c.feedback}
                for c in question.choices
            ]
        elif question.type == QuestionType.TRUE_FALSE:
            by_key = {c.key: c for c in question.choices}
            q["answer"] = by_key["true"].correct
            q["feedback_true"] = by_key["true"].feedback
            q["feedback_false"] = by_key["false"].feedback
        elif question.type == QuestionType.SHORT_ANSWER:
            q["accepted_answers"] = list(question.accepted_answers)
        elif question.type == QuestionType.NUMERIC:
            q["answer"] = question.numeric_answer
            q["tolerance"] = question.tolerance
        elif question.type == QuestionType.MATCHING:
            q["partial_credit"] = question.partial_credit
            q["pairs"] = [
                {"key": p.key, "prompt": p.prompt, "answer": p.answer} for p in question.pairs
            ]
        data["questions"].append(q)
    return data
