"""Moodle XML question files in and out (docs/question-banks.md).

The file comes from outside, so it is parsed by defusedxml with document types refused: no
entity can read a file on the server (XXE) or expand without end (billion laughs). What the
answers mean is decided in moodle_mapping, shared with GIFT.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException

from quizzes.models import QuestionType

from ..exceptions import PackageError
from .moodle_mapping import (
    Answer,
    NumericAnswer,
    ParsedBank,
    Unmappable,
    choice_fields,
    export_problems,
    export_weights,
    format_number,
    format_weight,
    matching_fields,
    numeric_fields,
    short_answer_fields,
    true_false_fields,
)
from .specs import QuestionSpec

_UNSUPPORTED = {
    "essay": "an essay question",
    "description": "a description (not a question)",
    "multianswer": "an embedded answers (cloze) question",
    "calculated": "a calculated question",
    "calculatedsimple": "a simple calculated question",
    "calculatedmulti": "a calculated multichoice question",
    "randomsamatch": "a random short-answer matching question",
    "ddwtos": "a drag and drop into text question",
    "gapselect": "a select missing words question",
}


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Element] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def child(self, tag: str) -> _Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[_Element]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str) -> str:
        """The text of a child element, stripped ("" when missing)."""
        child = self.child(tag)
        return child.text.strip() if child is not None else ""

    def rich(self, tag: str) -> str:
        """The <text> of a child element such as <questiontext>, stripped."""
        child = self.child(tag)
        return child.value("text") if child is not None else ""


class _TreeBuilder(ContentHandler):
    """Elements with the line each starts on, for errors that name it."""

    def __init__(self):
        super().__init__()
        self.root: _Element | None = None
        self.stack: list[_Element] = []
        self.locator = None

    def setDocumentLocator(self, locator):
        self.locator = locator

    def startElement(self, name, attrs):
        line = self.locator.getLineNumber() if self.locator else 0
        element = _Element(name, dict(attrs), line)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElement(self, name):
        self.stack.pop()

    def characters(self, content):
        if self.stack:
            self.stack[-1].parts.append(content)


def parse_moodle_xml(data: bytes, file: str) -> ParsedBank:
    """Read a Moodle XML file into question mappings (checked later by
    questions.read_question); what cannot be imported is listed in bank.problems."""
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(
            data, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise PackageError(
            "the file declares a document type or entities, which are refused (they could "
            "read files on the server or grow without end)",
            file=file,
        ) from None
    except SAXParseException as exc:
        raise PackageError(
            f"not well-formed XML: {exc.getMessage()}", file=file, line=exc.getLineNumber()
        ) from None
    root = builder.root
    if root is None or root.tag != "quiz":
        raise PackageError("a Moodle XML question file has <quiz> at the top", file=file, line=1)
    bank = ParsedBank(file=file)
    position = 0
    for element in root.all("question"):
        kind = element.attrs.get("type", "")
        if kind == "category":
            bank.warn(element.line, "question categories are ignored: the questions join the quiz")
            continue
        position += 1
        try:
            values = _question(element, kind, bank, position)
        except Unmappable as exc:
            bank.refuse(element.line, str(exc))
            continue
        bank.add(element.line, values)
    return bank


def _weight(element: _Element) -> Decimal:
    try:
        weight = Decimal(element.attrs.get("fraction", "0"))
    except InvalidOperation:
        raise Unmappable(f"the weight {element.attrs.get('fraction')!r} is not a number") from None
    if not weight.is_finite():
        raise Unmappable("an answer's weight is not a number")
    return weight


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise Unmappable(f"{text.strip()!r} is not a number") from None
    if not number.is_finite():
        raise Unmappable(f"{text.strip()!r} is not a number")
    return number


def _join(*texts: str) -> str:
    return "\n\n".join(t for t in texts if t)


def _question(element: _Element, kind: str, bank: ParsedBank, position: int) -> dict:
    if kind in _UNSUPPORTED or kind not in {
        "multichoice",
        "multichoiceset",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
    }:
        what = _UNSUPPORTED.get(kind, f"a {kind or 'untyped'} question")
        raise Unmappable(f"{what}: not supported")
    line = element.line
    grade = _number(element.value("defaultgrade") or "1")
    if grade != grade.to_integral_value() or grade < 1:
        raise Unmappable(f"worth {grade} points: points here are whole numbers from 1")
    text = element.child("questiontext")
    if text is not None and text.all("file"):
        bank.warn(line, "files embedded in the question text (images) are not imported")
    general = element.rich("generalfeedback")
    values = {
        "key": bank.key(element.rich("name"), position),
        "prompt": element.rich("questiontext"),
        "points": int(grade),
        "feedback_correct": general,
        "feedback_incorrect": general,
    }
    answers = [
        Answer(text=a.value("text"), weight=_weight(a), feedback=a.rich("feedback"))
        for a in element.all("answer")
    ]
    if kind in ("multichoice", "multichoiceset", "matching"):
        values["feedback_correct"] = _join(element.rich("correctfeedback"), general)
        values["feedback_incorrect"] = _join(element.rich("incorrectfeedback"), general)
    if kind == "multichoice":
        # Moodle reads a missing <single> as true.
        single = (element.value("single") or "true").lower() in ("true", "1")
        fields, warnings = choice_fields(answers, single=single)
        for warning in warnings:
            bank.warn(line, warning)
        if not single and element.rich("partiallycorrectfeedback"):
            bank.warn(line, "feedback for a partly right answer is not kept")
        values.update(fields)
    elif kind == "multichoiceset":  # the all-or-nothing multiple choice plugin
        values.update(
            type=QuestionType.MULTIPLE_RESPONSE.value,
            partial_credit=False,
            choices=[
                {"text": a.text, "correct": a.weight > 0, "feedback": a.feedback} for a in answers
            ],
        )
    elif kind == "truefalse":
        by_text = {a.text.lower(): a for a in answers}
        if set(by_text) != {"true", "false"}:
            raise Unmappable("a true/false question has the answers true and false")
        values.update(
            true_false_fields(
                by_text["true"].weight > 0,
                feedback_true=by_text["true"].feedback,
                feedback_false=by_text["false"].feedback,
            )
        )
    elif kind == "shortanswer":
        if element.value("usecase") == "1":
            bank.warn(line, "answers are compared without regard to case here")
        values.update(short_answer_fields(answers))
    elif kind == "numerical":
        units = element.child("units")
        if units is not None and units.all("unit"):
            bank.warn(line, "units are ignored: participants answer with the number alone")
        numbers = [
            NumericAnswer(
                value=_number(a.value("text")),
                tolerance=_number(a.value("tolerance")),
                weight=_weight(a),
                feedback=a.rich("feedback"),
            )
            for a in element.all("answer")
        ]
        values.update(numeric_fields(numbers))
    elif kind == "matching":
        pairs = [
            (s.value("text"), s.child("answer").value("text") if s.child("answer") else "")
            for s in element.all("subquestion")
        ]
        if element.rich("partiallycorrectfeedback"):
            bank.warn(line, "feedback for a partly right answer is not kept")
        values.update(matching_fields(pairs))
    return values


def _rich(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str = "") -> ET.Element:
    element = ET.SubElement(parent, "answer", {"fraction": fraction, "format": "markdown"})
    ET.SubElement(element, "text").text = text
    _rich(element, "feedback", feedback, format="markdown")
    return element


_TYPES = {
    QuestionType.SINGLE_CHOICE: "multichoice",
    QuestionType.MULTIPLE_RESPONSE: "multichoice",
    QuestionType.TRUE_FALSE: "truefalse",
    QuestionType.SHORT_ANSWER: "shortanswer",
    QuestionType.NUMERIC: "numerical",
    QuestionType.MATCHING: "matching",
}


def write_moodle_xml(questions: list[QuestionSpec]) -> tuple[str, list[str]]:
    """The questions as a Moodle XML file, and what it could not say about them (warnings)."""
    root = ET.Element("quiz")
    warnings = []
    for question in questions:
        warnings.extend(export_problems(question, format_name="Moodle XML"))
        kind = question.type
        element = ET.SubElement(root, "question", {"type": _TYPES[kind]})
        _rich(element, "name", question.key)
        _rich(element, "questiontext", question.prompt, format="markdown")
        same = question.feedback_correct == question.feedback_incorrect
        _rich(
            element, "generalfeedback", question.feedback_correct if same else "", format="markdown"
        )
        ET.SubElement(element, "defaultgrade").text = str(question.points)
        ET.SubElement(element, "penalty").text = "0"
        ET.SubElement(element, "hidden").text = "0"
        if kind in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_RESPONSE,
            QuestionType.MATCHING,
        ):
            _rich(
                element,
                "correctfeedback",
                "" if same else question.feedback_correct,
                format="markdown",
            )
            _rich(element, "partiallycorrectfeedback", "", format="markdown")
            _rich(
                element,
                "incorrectfeedback",
                "" if same else question.feedback_incorrect,
                format="markdown",
            )
            ET.SubElement(element, "shuffleanswers").text = "true"
        if kind == QuestionType.SINGLE_CHOICE:
            ET.SubElement(element, "single").text = "true"
            ET.SubElement(element, "answernumbering").text = "abc"
            for choice in question.choices:
                _answer(element, "100" if choice.correct else "0", choice.text, choice.feedback)
        elif kind == QuestionType.MULTIPLE_RESPONSE:
            ET.SubElement(element, "single").text = "false"
            ET.SubElement(element, "answernumbering").text = "abc"
            for choice, weight in zip(question.choices, export_weights(question), strict=True):
                _answer(element, format_weight(weight), choice.text, choice.feedback)
        elif kind == QuestionType.TRUE_FALSE:
            for choice in question.choices:
                _answer(element, "100" if choice.correct else "0", choice.key, choice.feedback)
        elif kind == QuestionType.SHORT_ANSWER:
            ET.SubElement(element, "usecase").text = "0"
            for answer in question.accepted_answers:
                _answer(element, "100", answer)
        elif kind == QuestionType.NUMERIC:
            answer = _answer(element, "100", format_number(question.numeric_answer))
            ET.SubElement(answer, "tolerance").text = format_number(question.tolerance)
        elif kind == QuestionType.MATCHING:
            for pair in question.pairs:
                sub = _rich(element, "subquestion", pair.prompt, format="markdown")
                answer = ET.SubElement(sub, "answer")
                ET.SubElement(answer, "text").text = pair.answer
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n', warnings
