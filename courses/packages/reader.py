"""Reading a course package folder into specs, checking everything on the way."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

from quizzes.grading import normalise_text
from quizzes.models import QuestionType, ReviewPolicy

from ..exceptions import PackageError
from .specs import (
    MISSING,
    SLUG_RE,
    SMALL_INT_MAX,
    TITLE_LENGTH,
    ChoiceSpec,
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    PairSpec,
    QuestionSpec,
    QuizSpec,
)
from .yaml_io import load_yaml


class _Reader:
    def __init__(self, root: Path):
        self.root = root

    def read(self) -> CourseSpec:
        if not self.root.is_dir():
            raise PackageError(f"{self.root} is not a folder")
        data = self._yaml_file("course.yaml")
        f = _Fields(data, "course.yaml")
        languages = [code for code, _name in settings.LANGUAGES]
        language = f.get("language", str)
        if language not in languages:
            f.fail("language", f"must be one of {', '.join(languages)}, not {language!r}")
        spec = CourseSpec(
            slug=f.slug("slug"),
            title=f.text("title", max_length=TITLE_LENGTH),
            summary=f.get("summary", str, "").strip(),
            language=language,
            estimated_hours=f.decimal("estimated_hours", Decimal(0), minimum=0, digits=5, places=1),
            published=f.get("published", bool, False),
            order=f.integer("order", 0, minimum=0),
            modules=[],
        )
        # Whether the original exists and may be translated is for the database to say
        # (courses.services.packages); the package alone can only name itself.
        if f.get("translation_of", str, None) is not None:
            spec.translation_of = f.slug("translation_of")
            if spec.translation_of == spec.slug:
                f.fail("translation_of", "a course cannot be a translation of itself")
        modules = f.get("modules", list)
        if not modules:
            f.fail("modules", "a course needs at least one module")
        module_slugs, lesson_slugs, quiz_slugs = {}, {}, {}
        for item in modules:
            m = _Fields(item, "course.yaml", parent=f)
            slug = m.slug("slug")
            if slug in module_slugs:
                m.fail("slug", f"module slug {slug!r} is used twice")
            module_slugs[slug] = m.line
            module = ModuleSpec(
                slug=slug, title=m.text("title", max_length=TITLE_LENGTH), lessons=[], quizzes=[]
            )
            lesson_paths = m.get("lessons", list)
            for path in lesson_paths:
                lesson = self._lesson(m.path_in_package(path, self.root, "lessons"))
                if lesson.slug in lesson_slugs:
                    raise PackageError(
                        f"lesson slug {lesson.slug!r} is also used by {lesson_slugs[lesson.slug]}",
                        file=lesson.source,
                    )
                lesson_slugs[lesson.slug] = lesson.source
                module.lessons.append(lesson)
            for path in m.get("quizzes", list, []):
                quiz = self._quiz(m.path_in_package(path, self.root, "quizzes"))
                if quiz.slug in quiz_slugs:
                    raise PackageError(
                        f"quiz slug {quiz.slug!r} is also used by {quiz_slugs[quiz.slug]}",
                        file=quiz.source,
                    )
                quiz_slugs[quiz.slug] = quiz.source
                module.quizzes.append(quiz)
            m.finish()
            spec.modules.append(module)
        f.finish()
        return spec

    def _read_text(self, relative: str) -> str:
        path = self.root / relative
        if not path.is_file():
            raise PackageError("no such file", file=relative)
        data = path.read_bytes()
        try:
            # utf-8-sig: some editors on Windows start UTF-8 files with a byte-order mark.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PackageError("not UTF-8 text", file=relative, line=line) from None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _yaml_file(self, relative: str) -> Any:
        data = load_yaml(self._read_text(relative), relative)
        if not isinstance(data, dict):
            raise PackageError("expected a mapping of fields at the top level", file=relative)
        return data

    def _lesson(self, relative: str) -> LessonSpec:
        text = self._read_text(relative)
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].strip() != "---":
            raise PackageError(
                "a lesson starts with front matter between two '---' lines", file=relative, line=1
            )
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise PackageError("the front matter has no closing '---' line", file=relative, line=1)
        meta = load_yaml("".join(lines[1:end]), relative, line_offset=1)
        if not isinstance(meta, dict):
            raise PackageError(
                "the front matter must be a mapping of fields", file=relative, line=2
            )
        f = _Fields(meta, relative)
        slug = f.slug("slug", Path(relative).stem)
        # Blank lines around the body are layout, not content: dropping them lets a body
        # written by write_package read back exactly, whatever it ended with.
        start = end + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        lesson = LessonSpec(
            slug=slug,
            title=f.text("title", max_length=TITLE_LENGTH),
            minutes=f.integer("minutes", minimum=1),
            optional=f.get("optional", bool, False),
            body="".join(lines[start:]).rstrip(),
            source=relative,
        )
        f.finish()
        return lesson

    def _quiz(self, relative: str) -> QuizSpec:
        f = _Fields(self._yaml_file(relative), relative)
        review = f.get("review_policy", str, ReviewPolicy.AFTER_EACH_ATTEMPT.value)
        if review not in ReviewPolicy.values:
            f.fail("review_policy", f"must be one of {', '.join(ReviewPolicy.values)}")
        quiz = QuizSpec(
            slug=f.slug("slug"),
            title=f.text("title", max_length=TITLE_LENGTH),
            description=f.get("description", str, "").strip(),
            pass_mark=f.integer("pass_mark", 70, minimum=0, maximum=100),
            max_attempts=f.integer("max_attempts", None, minimum=1, maximum=SMALL_INT_MAX),
            time_limit_minutes=f.integer(
                "time_limit_minutes", None, minimum=1, maximum=SMALL_INT_MAX
            ),
            shuffle_questions=f.get("shuffle_questions", bool, False),
            shuffle_choices=f.get("shuffle_choices", bool, False),
            draw_count=f.integer("draw_count", None, minimum=1, maximum=SMALL_INT_MAX),
            review_policy=review,
            optional=f.get("optional", bool, False),
            questions=[],
            source=relative,
        )
        questions = f.get("questions", list)
        if not questions:
            f.fail("questions", "a quiz needs at least one question")
        keys = set()
        for item in questions:
            q = _Fields(item, relative, parent=f)
            question = self._question(q)
            if question.key in keys:
                q.fail("key", f"question key {question.key!r} is used twice in this quiz")
            keys.add(question.key)
            quiz.questions.append(question)
        if quiz.draw_count and quiz.draw_count > len(quiz.questions):
            f.fail(
                "draw_count",
                f"draws {quiz.draw_count} questions from a pool of {len(quiz.questions)}",
            )
        f.finish()
        return quiz

    def _question(self, q: _Fields) -> QuestionSpec:
        kind = q.get("type", str)
        if kind not in QuestionType.values:
            q.fail(
                "type",
                f"unknown question type {kind!r}; use one of {', '.join(QuestionType.values)}",
            )
        question = QuestionSpec(
            key=q.slug("key"),
            type=kind,
            prompt=q.text("prompt"),
            points=q.integer("points", 1, minimum=1, maximum=SMALL_INT_MAX),
            feedback_correct=q.get("feedback_correct", str, "").strip(),
            feedback_incorrect=q.get("feedback_incorrect", str, "").strip(),
        )
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE):
            items = q.get("choices", list)
            if len(items) < 2:
                q.fail("choices", "needs at least two choices")
            keys = set()
            for index, item in enumerate(items):
                c = _Fields(item, q.file, parent=q)
                choice = ChoiceSpec(
                    key=c.slug("key", _letter(index)),
                    text=c.text("text"),
                    correct=c.get("correct", bool, False),
                    feedback=c.get("feedback", str, "").strip(),
                )
                if choice.key in keys:
                    c.fail("key", f"choice key {choice.key!r} is used twice")
                keys.add(choice.key)
                c.finish()
                question.choices.append(choice)
            correct = sum(choice.correct for choice in question.choices)
            if kind == QuestionType.SINGLE_CHOICE and correct != 1:
                q.fail(
                    "choices",
                    f"a single_choice question needs exactly one correct choice, not {correct}",
                )
            if kind == QuestionType.MULTIPLE_RESPONSE:
                if correct < 1:
                    q.fail(
                        "choices", "a multiple_response question needs at least one correct choice"
                    )
                question.partial_credit = q.get("partial_credit", bool, False)
        elif kind == QuestionType.TRUE_FALSE:
            answer = q.get("answer", bool)
            question.choices = [
                ChoiceSpec("true", "True", answer is True, q.get("feedback_true", str, "").strip()),
                ChoiceSpec(
                    "false", "False", answer is False, q.get("feedback_false", str, "").strip()
                ),
            ]
        elif kind == QuestionType.SHORT_ANSWER:
            answers = q.get("accepted_answers", list)
            if not answers or not all(
                isinstance(a, str | int | float) and normalise_text(str(a)) for a in answers
            ):
                q.fail(
                    "accepted_answers",
                    "needs a list of at least one answer, none empty or only punctuation",
                )
            question.accepted_answers = [str(a).strip() for a in answers]
        elif kind == QuestionType.NUMERIC:
            question.numeric_answer = q.decimal("answer", digits=20, places=6)
            question.tolerance = q.decimal("tolerance", Decimal(0), minimum=0, digits=20, places=6)
        elif kind == QuestionType.MATCHING:
            items = q.get("pairs", list)
            if len(items) < 2:
                q.fail("pairs", "needs at least two pairs")
            for index, item in enumerate(items):
                p = _Fields(item, q.file, parent=q)
                question.pairs.append(
                    PairSpec(
                        key=p.slug("key", str(index + 1)),
                        prompt=p.text("prompt"),
                        answer=p.text("answer"),
                    )
                )
                p.finish()
            if len({pair.key for pair in question.pairs}) != len(question.pairs):
                q.fail("pairs", "pair keys must be unique")
            question.partial_credit = q.get("partial_credit", bool, False)
        q.finish()
        return question


def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < len(letters) else f"c{index + 1}"


class _Fields:
    """Typed access to one YAML mapping, with errors that name the file and line."""

    def __init__(self, data: Any, file: str, parent: _Fields | None = None):
        self.file = file
        if not isinstance(data, dict):
            line = parent.line if parent else None
            raise PackageError("expected a mapping of fields (key: value)", file=file, line=line)
        self.data = data
        self.line = getattr(data, "line", None) or (parent.line if parent else None)
        self.key_lines = getattr(data, "key_lines", {})
        self.used: set[str] = set()

    def finish(self):
        """Refuse any field that was never read: a typo must not vanish silently."""
        for key in self.data:
            if key not in self.used:
                raise PackageError(
                    f"{key}: unknown field (a typo, or a field that does not apply here)",
                    file=self.file,
                    line=self.key_lines.get(key, self.line),
                )

    def fail(self, name: str, message: str):
        """Refuse the field `name`, pointing at its line, or the mapping's if it is missing."""
        line = self.key_lines.get(name, self.line)
        raise PackageError(f"{name}: {message}", file=self.file, line=line)

    def get(self, name: str, kind: type, default: Any = MISSING) -> Any:
        self.used.add(name)
        value = self.data.get(name, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(name, "is required")
            return default
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
            self.fail(name, f"must be {_KIND_NAMES[kind]}, not {type(value).__name__}")
        return value

    def text(self, name: str, *, max_length: int | None = None) -> str:
        value = self.get(name, str).strip()
        if not value:
            self.fail(name, "must not be empty")
        if max_length is not None and len(value) > max_length:
            self.fail(name, f"is {len(value)} characters long; the most is {max_length}")
        return value

    def slug(self, name: str, default: Any = MISSING) -> str:
        value = self.get(name, str, default)
        if not SLUG_RE.match(value) or len(value) > 100:
            self.fail(name, f"{value!r} is not a valid slug (letters, digits, '-' and '_')")
        return value

    def integer(self, name: str, default: Any = MISSING, *, minimum=None, maximum=None):
        value = self.get(name, int, default)
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(
                name,
                f"must be between {minimum} and {maximum}"
                if maximum is not None
                else f"must be at least {minimum}",
            )
        return value

    def decimal(
        self, name: str, default: Any = MISSING, *, minimum=None, digits: int, places: int
    ) -> Decimal:
        """A number that fits a DecimalField(max_digits=digits, decimal_places=places)."""
        value = self.get(name, object, default)
        if isinstance(value, bool):
            self.fail(name, f"must be a number, not {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(name, f"must be a number, not {value!r}")
        if not number.is_finite():
            self.fail(name, "must be a finite number")
        if minimum is not None and number < minimum:
            self.fail(name, f"must be a number of at least {minimum}")
        if number.normalize().as_tuple().exponent < -places:
            self.fail(name, f"{value!r} has too many decimal places; the most is {places}")
        if abs(number) >= Decimal(10) ** (digits - places):
            self.fail(name, f"must be less than {10 ** (digits - places)}")
        return number

    def path_in_package(self, value: Any, root: Path, name: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"expected a file path, not {value!r}")
        resolved = (root / value).resolve()
        if not resolved.is_relative_to(root.resolve()):
            self.fail(name, f"{value!r} is outside the package folder")
        if not resolved.is_file():
            self.fail(name, f"{value}: no such file")
        return resolved.relative_to(root.resolve()).as_posix()


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    object: "a value",
}


def read_package(path: str | Path) -> CourseSpec:
    """Read and check a whole course package; raise PackageError naming the file and line."""
    return _Reader(Path(path)).read()
