"""Reading a course package folder into specs, checking everything on the way."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from quizzes.models import ReviewPolicy

from ..exceptions import PackageError
from .fields import Fields
from .question_files import read_question_file
from .questions import read_questions
from .specs import SMALL_INT_MAX, TITLE_LENGTH, CourseSpec, LessonSpec, ModuleSpec, QuizSpec
from .yaml_io import load_yaml


class _Reader:
    def __init__(self, root: Path):
        self.root = root
        self.warnings: list[str] = []

    def read(self) -> CourseSpec:
        if not self.root.is_dir():
            raise PackageError(f"{self.root} is not a folder")
        data = self._yaml_file("course.yaml")
        f = Fields(data, "course.yaml")
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
            m = Fields(item, "course.yaml", parent=f)
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
        spec.warnings = self.warnings
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
        f = Fields(meta, relative)
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
        f = Fields(self._yaml_file(relative), relative)
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
        items = f.get("questions", list, None)
        bank = f.get("questions_from", str, None)
        if items is not None and bank is not None:
            f.fail("questions_from", "give either questions or questions_from, not both")
        if bank is not None:
            # A GIFT or Moodle XML file beside the quiz: its questions are checked by the same
            # code as those written in YAML (questions.read_question).
            path = f.path_in_package(bank, self.root, "questions_from")
            questions = read_question_file(self.root / path, label=path)
            self.warnings.extend(questions.warnings)
            quiz.questions = questions.questions
        else:
            if not items:
                f.fail("questions", "a quiz needs at least one question")
            quiz.questions = read_questions(items, relative, parent=f)
        if quiz.draw_count and quiz.draw_count > len(quiz.questions):
            f.fail(
                "draw_count",
                f"draws {quiz.draw_count} questions from a pool of {len(quiz.questions)}",
            )
        f.finish()
        return quiz


def read_package(path: str | Path) -> CourseSpec:
    """Read and check a whole course package; raise PackageError naming the file and line."""
    return _Reader(Path(path)).read()
