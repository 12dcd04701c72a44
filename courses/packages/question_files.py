"""Question files from Moodle: GIFT (.gift) and Moodle XML (.xml), in and out.

read_question_file checks a whole file before anything is written: too big, not text, not
well-formed, a question that cannot be imported (an essay, weights our grading cannot give),
a field that fails the checks of docs/course-package.md: one PackageError names the file and
line, listing every question that cannot be imported at once. docs/question-banks.md maps
Moodle's question types to ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import PackageError
from .gift import parse_gift, write_gift
from .moodle_xml import parse_moodle_xml, write_moodle_xml
from .questions import read_questions
from .specs import QuestionSpec

# A question bank is text: 5 MB holds thousands of questions. Larger files are refused before
# they are read.
MAX_QUESTION_FILE_BYTES = 5 * 1024 * 1024
FORMATS = {".gift": "gift", ".xml": "xml"}


@dataclass
class QuestionFile:
    questions: list[QuestionSpec]
    warnings: list[str] = field(default_factory=list)


def question_format(path: str | Path, *, label: str | None = None) -> str:
    """gift or xml, from the file's extension (PackageError for anything else)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise PackageError(
            "a question file is GIFT (.gift) or Moodle XML (.xml)", file=label or Path(path).name
        )
    return FORMATS[suffix]


def read_question_file(path: str | Path, *, label: str | None = None) -> QuestionFile:
    """Read and check every question of a GIFT or Moodle XML file (label: the file's name in
    messages)."""
    path = Path(path)
    label = label or path.name
    fmt = question_format(path, label=label)
    if not path.is_file():
        raise PackageError("no such file", file=label)
    size = path.stat().st_size
    if size > MAX_QUESTION_FILE_BYTES:
        raise PackageError(_too_big(size), file=label)
    with path.open("rb") as handle:  # read no more than the limit, whatever stat said
        data = handle.read(MAX_QUESTION_FILE_BYTES + 1)
    return read_question_data(data, fmt, label=label)


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:.1f} MB; a question file may be at most "
        f"{MAX_QUESTION_FILE_BYTES // 1024 // 1024} MB (split it)"
    )


def read_question_data(data: bytes, fmt: str, *, label: str) -> QuestionFile:
    """read_question_file for the bytes of a file in the format `fmt` (gift or xml)."""
    if len(data) > MAX_QUESTION_FILE_BYTES:
        raise PackageError(_too_big(len(data)), file=label)
    if fmt == "gift":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PackageError("not UTF-8 text", file=label, line=line) from None
        bank = parse_gift(text.replace("\r\n", "\n").replace("\r", "\n"), label)
    else:
        bank = parse_moodle_xml(data, label)
    if bank.problems:
        count = len(bank.problems)
        listed = "\n".join(f"  line {line}: {message}" for line, message in bank.problems)
        noun = "question cannot" if count == 1 else "questions cannot"
        raise PackageError(f"{count} {noun} be imported:\n{listed}", file=label)
    if not bank.items:
        raise PackageError("no questions in this file", file=label)
    return QuestionFile(questions=read_questions(bank.items, label), warnings=bank.warnings)


def write_question_file(questions: list[QuestionSpec], fmt: str) -> tuple[str, list[str]]:
    """The questions as GIFT or Moodle XML text, and what that format could not say about them."""
    if fmt == "gift":
        return write_gift(questions)
    if fmt == "xml":
        return write_moodle_xml(questions)
    raise ValueError(f"unknown question format {fmt!r}")
