"""GIFT, Moodle's plain-text question format, in and out (docs/question-banks.md).

Written from Moodle's documentation of the format (docs.moodle.org/en/GIFT_format): questions
are separated by blank lines; `//` starts a comment line; `::title::` names a question; one
answer block `{...}` holds the answers; `\\~ \\= \\# \\{ \\} \\: \\\\` are escaped characters and
`\\n` a new line. What the answers mean is decided in moodle_mapping, shared with Moodle XML.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from quizzes.models import QuestionType

from ..exceptions import PackageError
from .moodle_mapping import (
    HUNDRED,
    Answer,
    NumericAnswer,
    ParsedBank,
    Unmappable,
    choice_fields,
    export_problems,
    export_weights,
    format_number,
    format_weight,
    general_feedback_fields,
    matching_fields,
    numeric_fields,
    short_answer_fields,
    true_false_fields,
)
from .specs import QuestionSpec

# Escaped characters are swapped for private-use characters while the structure is read, so an
# escaped "=" is never taken for an answer; _text swaps them back.
_ESCAPES = {
    "\\": "\ue000",
    "~": "\ue001",
    "=": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
}
_UNESCAPE = str.maketrans({hidden: char for char, hidden in _ESCAPES.items()})
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"(T|TRUE|F|FALSE)\s*(#.*)?", re.DOTALL | re.IGNORECASE)


def _hide_escapes(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        following = text[i + 1] if i + 1 < len(text) else ""
        if char == "\\" and following in _ESCAPES:
            out.append(_ESCAPES[following])
            i += 2
        elif char == "\\" and following == "n":
            out.append("\n")
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _text(hidden: str) -> str:
    """Text as the author meant it: escapes restored, spaces at either end removed."""
    return hidden.translate(_UNESCAPE).strip()


def _blocks(text: str):
    """(first line number, text) of each question: lines between blank lines, comments out."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if block:
                yield start, "\n".join(block)
                block = []
        elif not line.strip().startswith("//"):
            if not block:
                start = number
            block.append(line)
    if block:
        yield start, "\n".join(block)


def parse_gift(text: str, file: str) -> ParsedBank:
    """Read GIFT text into question mappings (checked later by questions.read_question); what
    cannot be imported is listed in bank.problems with its line, all of it."""
    bank = ParsedBank(file=file)
    position = 0
    for line, block in _blocks(text):
        hidden = _hide_escapes(block).strip()
        if hidden.startswith("$CATEGORY:"):
            bank.warn(line, "question categories are ignored: the questions join the quiz")
            continue
        position += 1
        try:
            values = _question(hidden, bank, line, position)
        except Unmappable as exc:
            bank.refuse(line, str(exc))
            continue
        bank.add(line, values)
    return bank


def _question(hidden: str, bank: ParsedBank, line: int, position: int) -> dict:
    title = ""
    if hidden.startswith("::"):
        end = hidden.find("::", 2)
        if end == -1:
            raise Unmappable("the title starts with :: but has no closing ::")
        title, hidden = _text(hidden[2:end]), hidden[end + 2 :].lstrip()
    marker = _FORMAT.match(hidden)
    if marker:
        hidden = hidden[marker.end() :]
    opens, closes = hidden.count("{"), hidden.count("}")
    if opens == 0 and closes == 0:
        raise Unmappable("a description (text without answers) is not a question: not supported")
    if opens != closes or hidden.find("}") < hidden.find("{"):
        raise Unmappable(
            "unbalanced braces: each question has one answer block between { and } "
            "(write \\{ and \\} for braces in the text)"
        )
    if opens > 1:
        raise Unmappable(
            "more than one answer block { } (an embedded answers question): not supported"
        )
    start, end = hidden.index("{"), hidden.index("}")
    prompt, after = _text(hidden[:start]), _text(hidden[end + 1 :])
    if after:  # a missing-word question: the blank goes where the answers were
        space = "" if after[0] in ".,;:!?" else " "
        prompt = f"{prompt} _____{space}{after}"
    body = hidden[start + 1 : end]
    general = ""
    split = body.rfind("####")
    if split != -1:
        body, general = body[:split], _text(body[split + 4 :])
    answers = _answers(body.strip(), bank, line)
    return {
        "key": bank.key(title, position),
        "prompt": prompt,
        **general_feedback_fields(general),
        **answers,
    }


def _answers(body: str, bank: ParsedBank, line: int) -> dict:
    if not body:
        raise Unmappable("an essay question (empty answer block {}): not supported")
    if body.startswith("#"):
        return numeric_fields(_numeric_answers(body[1:].strip()))
    if "~" in body:
        parts = _split(body)
        single = any(mark == "=" for mark, _part in parts)
        answers = []
        for mark, part in parts:
            answer = _answer(part)
            if answer.weight is None and mark == "=":
                answer.weight = HUNDRED
            answers.append(answer)
        fields, warnings = choice_fields(answers, single=single)
        for warning in warnings:
            bank.warn(line, warning)
        return fields
    if "=" in body and "->" in body:
        pairs = []
        for mark, part in _split(body):
            if mark != "=" or "->" not in part:
                raise Unmappable("each pair of a matching question is written =prompt -> answer")
            prompt, _arrow, answer = part.partition("->")
            pairs.append((_text(prompt), _text(answer)))
        return matching_fields(pairs)
    true_false = _TRUE_FALSE.fullmatch(body)
    if true_false:
        answer = true_false.group(1)[0].upper() == "T"
        feedback = (true_false.group(2) or "#")[1:]
        wrong, _hash, right = feedback.partition("#")
        right, wrong = _text(right), _text(wrong)
        return true_false_fields(
            answer,
            feedback_true=right if answer else wrong,
            feedback_false=wrong if answer else right,
        )
    parts = _split(body)
    return short_answer_fields([_answer(part) for _mark, part in parts])


def _split(body: str) -> list[tuple[str, str]]:
    """The answers of a block: (marker, rest) for each "=" or "~"."""
    pieces = re.split(r"([=~])", body)
    if pieces[0].strip():
        raise Unmappable(
            f"answers start with = (right) or ~ (wrong), not {_text(pieces[0])[:40]!r}"
        )
    return [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces), 2)]


def _answer(part: str) -> Answer:
    weight = None
    match = _WEIGHT.match(part)
    if match:
        weight = Decimal(match.group(1))
        part = part[match.end() :]
    text, _hash, feedback = part.partition("#")
    return Answer(text=_text(text), weight=weight, feedback=_text(feedback))


def _numeric_answers(body: str) -> list[NumericAnswer]:
    if "~" in body:
        raise Unmappable("wrong answers (~) in a numeric question: not supported")
    parts = [("=", body)] if not body.startswith("=") else _split(body)
    answers = []
    for _mark, part in parts:
        answer = _answer(part)
        value, tolerance = _number_with_tolerance(answer.text)
        answers.append(NumericAnswer(value, tolerance, answer.weight, answer.feedback))
    return answers


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise Unmappable(f"{text.strip()!r} is not a number") from None
    if not number.is_finite():
        raise Unmappable(f"{text.strip()!r} is not a number")
    return number


def _number_with_tolerance(text: str) -> tuple[Decimal, Decimal]:
    """`value`, `value:tolerance`, or the range `low..high` (its middle, give or take half)."""
    if ".." in text:
        low, _dots, high = text.partition("..")
        low, high = _number(low), _number(high)
        if low > high:
            raise Unmappable(f"the range {text.strip()} runs backwards")
        return (low + high) / 2, (high - low) / 2
    value, _colon, tolerance = text.partition(":")
    return _number(value), _number(tolerance) if tolerance.strip() else Decimal(0)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _answer_text(text: str, weight: str | None = None) -> str:
    """An answer's text, with its weight first when given or when the text starts with "%"
    (so it cannot be read as a weight)."""
    if weight is None and text.startswith("%"):
        weight = "100"
    return (f"%{weight}%" if weight is not None else "") + _escape(text)


def _feedback(text: str) -> str:
    return f"#{_escape(text)}" if text else ""


def write_gift(questions: list[QuestionSpec]) -> tuple[str, list[str]]:
    """The questions as GIFT text, and what GIFT could not say about them (warnings)."""
    blocks, warnings = [], []
    for question in questions:
        warnings.extend(export_problems(question, format_name="GIFT"))
        lines = [f"::{question.key}::[markdown]{_escape(question.prompt)} {{"]
        kind = question.type
        if kind == QuestionType.SINGLE_CHOICE:
            for choice in question.choices:
                mark = "=" if choice.correct else "~"
                weight = None
                if choice.text.startswith("%"):
                    weight = "100" if choice.correct else "0"
                lines.append(
                    f"{mark}{_answer_text(choice.text, weight)}{_feedback(choice.feedback)}"
                )
        elif kind == QuestionType.MULTIPLE_RESPONSE:
            for choice, weight in zip(question.choices, export_weights(question), strict=True):
                text = _answer_text(choice.text, format_weight(weight))
                lines.append(f"~{text}{_feedback(choice.feedback)}")
        elif kind == QuestionType.TRUE_FALSE:
            by_key = {c.key: c for c in question.choices}
            answer = by_key["true"].correct
            right = by_key["true" if answer else "false"].feedback
            wrong = by_key["false" if answer else "true"].feedback
            feedback = f"#{_escape(wrong)}#{_escape(right)}" if right or wrong else ""
            lines.append(("TRUE" if answer else "FALSE") + feedback)
        elif kind == QuestionType.SHORT_ANSWER:
            if any("->" in answer for answer in question.accepted_answers):
                raise PackageError(
                    f"question {question.key!r}: a short answer with '->' in it cannot be "
                    "written in GIFT, where it would read as matching (use Moodle XML)"
                )
            lines.extend(f"={_answer_text(a)}" for a in question.accepted_answers)
        elif kind == QuestionType.NUMERIC:
            value, tolerance = question.numeric_answer, question.tolerance
            lines.append(f"#{format_number(value)}:{format_number(tolerance)}")
        elif kind == QuestionType.MATCHING:
            for pair in question.pairs:
                if "->" in pair.prompt:
                    raise PackageError(
                        f"question {question.key!r}: a matching prompt with '->' in it cannot be "
                        "written in GIFT (use Moodle XML)"
                    )
                lines.append(f"={_escape(pair.prompt)} -> {_escape(pair.answer)}")
        if question.feedback_correct and question.feedback_correct == question.feedback_incorrect:
            lines.append(f"####{_escape(question.feedback_correct)}")
        lines.append("}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n", warnings
