"""Moodle XML in and out: Moodle's question types, hostile files, round trips."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from courses.exceptions import PackageError
from courses.packages.question_files import read_question_data, write_question_file
from tests.quizzes.question_strategies import question_lists


def read(text):
    data = text.encode() if isinstance(text, str) else text
    return read_question_data(data, "xml", label="bank.xml")


def refusal(text) -> str:
    with pytest.raises(PackageError) as error:
        read(text)
    return str(error.value.message)


def quiz(*questions):
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def answer(fraction, text, feedback=""):
    return (
        f'<answer fraction="{fraction}" format="html"><text>{text}</text>'
        f"<feedback><text>{feedback}</text></feedback></answer>"
    )


MOODLE_EXPORT = quiz(
    """<question type="category">
    <category><text>$course$/top/Procurement</text></category>
  </question>""",
    """<question type="multichoice">
    <name><text>GP pillars</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>How many pillars do the <b>UNGPs</b> have?</p>]]></text>
    </questiontext>
    <generalfeedback format="html"><text>Protect, respect, remedy.</text></generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Your answer is partially correct.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html"><text>Your answer is incorrect.</text></incorrectfeedback>
    """
    + answer(0, "Two", "No.")
    + answer(100, "Three", "Yes.")
    + answer(0, "Four")
    + "</question>",
    """<question type="multichoice">
    <name><text>ilo</text></name>
    <questiontext format="html"><text>Which are fundamental conventions?</text></questiontext>
    <single>false</single>
    """
    + answer("50", "C29")
    + answer("50", "C182")
    + answer("-50", "C94")
    + "</question>",
    """<question type="truefalse">
    <name><text>tf</text></name>
    <questiontext format="moodle_auto_format">
      <text>States keep their duties when they privatise.</text>
    </questiontext>
    """
    + answer(100, "true", "Right: GP5.")
    + answer(0, "false", "See GP5.")
    + "</question>",
    """<question type="shortanswer">
    <name><text>sa</text></name>
    <questiontext format="html"><text>Name the 2011 framework.</text></questiontext>
    <usecase>0</usecase>
    """
    + answer(100, "UNGPs")
    + answer(100, "Guiding Principles")
    + "</question>",
    """<question type="numerical">
    <name><text>year</text></name>
    <questiontext format="html"><text>In which year were the UNGPs endorsed?</text></questiontext>
    <answer fraction="100">
      <text>2011</text><tolerance>0</tolerance><feedback><text></text></feedback>
    </answer>
    <units/>
  </question>""",
    """<question type="matching">
    <name><text>match</text></name>
    <questiontext format="html"><text>Match each convention to its subject.</text></questiontext>
    <correctfeedback><text>Well matched.</text></correctfeedback>
    <incorrectfeedback><text>Look at lesson 3.</text></incorrectfeedback>
    <subquestion><text>C29</text><answer><text>Forced labour</text></answer></subquestion>
    <subquestion><text>C138</text><answer><text>Minimum age</text></answer></subquestion>
  </question>""",
)


def test_a_moodle_export_of_every_type_reads_as_our_six_types():
    result = read(MOODLE_EXPORT)
    by_key = {q.key: q for q in result.questions}
    assert [q.type for q in result.questions] == [
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
    ]
    pillars = by_key["gp-pillars"]
    assert pillars.prompt == "<p>How many pillars do the <b>UNGPs</b> have?</p>"
    assert pillars.points == 2
    assert [(c.text, c.correct, c.feedback) for c in pillars.choices] == [
        ("Two", False, "No."),
        ("Three", True, "Yes."),
        ("Four", False, ""),
    ]
    assert pillars.feedback_correct == "Your answer is correct.\n\nProtect, respect, remedy."
    assert pillars.feedback_incorrect == "Your answer is incorrect.\n\nProtect, respect, remedy."
    assert by_key["ilo"].partial_credit is True
    assert [c.correct for c in by_key["ilo"].choices] == [True, True, False]
    assert {c.key: (c.correct, c.feedback) for c in by_key["tf"].choices} == {
        "true": (True, "Right: GP5."),
        "false": (False, "See GP5."),
    }
    assert by_key["sa"].accepted_answers == ["UNGPs", "Guiding Principles"]
    assert (by_key["year"].numeric_answer, by_key["year"].tolerance) == (Decimal(2011), 0)
    match = by_key["match"]
    assert [(p.prompt, p.answer) for p in match.pairs] == [
        ("C29", "Forced labour"),
        ("C138", "Minimum age"),
    ]
    assert (match.feedback_correct, match.feedback_incorrect) == (
        "Well matched.",
        "Look at lesson 3.",
    )
    assert result.warnings == [
        "bank.xml, line 3: question categories are ignored: the questions join the quiz"
    ]


def test_all_or_nothing_multiple_choice_plugin_reads_as_all_or_nothing():
    q = read(
        quiz(
            '<question type="multichoiceset"><name><text>set</text></name>'
            "<questiontext><text>Pick both.</text></questiontext>"
            + answer(100, "a")
            + answer(100, "b")
            + answer(0, "c")
            + "</question>"
        )
    ).questions[0]
    assert (q.type, q.partial_credit) == ("multiple_response", False)


def test_multiple_choice_without_single_is_single_as_in_moodle():
    q = read(
        quiz(
            '<question type="multichoice"><questiontext><text>Pick one.</text></questiontext>'
            + answer(100, "a")
            + answer(0, "b")
            + "</question>"
        )
    ).questions[0]
    assert q.type == "single_choice"


def test_unsupported_types_are_listed_together_with_their_lines():
    message = refusal(
        quiz(
            '<question type="essay"><name><text>e</text></name></question>',
            '<question type="multianswer"><name><text>c</text></name></question>',
            '<question type="description"><name><text>d</text></name></question>',
            '<question type="truefalse"><questiontext><text>Fine?</text></questiontext>'
            + answer(100, "true")
            + answer(0, "false")
            + "</question>",
        )
    )
    assert message == (
        "bank.xml: 3 questions cannot be imported:\n"
        "  line 3: an essay question: not supported\n"
        "  line 4: an embedded answers (cloze) question: not supported\n"
        "  line 5: a description (not a question): not supported"
    )


def test_weights_our_grading_cannot_give_are_refused_naming_the_line():
    message = refusal(
        quiz(
            '<question type="multichoice"><name><text>w</text></name><single>false</single>'
            "<questiontext><text>Pick.</text></questiontext>"
            + answer(70, "a")
            + answer(30, "b")
            + "</question>"
        )
    )
    assert message.startswith(
        "bank.xml: 1 question cannot be imported:\n  line 3: the right answers"
    )


def test_fractional_points_are_refused():
    message = refusal(
        quiz(
            '<question type="truefalse"><defaultgrade>1.5</defaultgrade>'
            "<questiontext><text>Fine?</text></questiontext>"
            + answer(100, "true")
            + answer(0, "false")
            + "</question>"
        )
    )
    assert "worth 1.5 points" in message


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    text = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<quiz><question type="truefalse"><questiontext><text>&xxe;</text></questiontext>'
        + answer(100, "true")
        + answer(0, "false")
        + "</question></quiz>"
    )
    message = refusal(text)
    assert "declares a document type or entities" in message
    assert "do not read me" not in message


def test_billion_laughs_is_refused():
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    text = (
        f'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY lol0 "lol">{entities}]><quiz>&lol9;</quiz>'
    )
    assert "declares a document type or entities" in refusal(text)


def test_xml_that_is_not_well_formed_names_the_line():
    message = refusal('<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>')
    assert message.startswith("bank.xml, line 4: not well-formed XML")


def test_a_file_that_is_not_a_moodle_quiz_is_refused():
    assert refusal("<html><body/></html>") == (
        "bank.xml, line 1: a Moodle XML question file has <quiz> at the top"
    )


def test_file_over_the_limit_is_refused_before_parsing():
    with pytest.raises(PackageError) as error:
        read(b"<quiz>" + b" " * (5 * 1024 * 1024) + b"</quiz>")
    assert "at most 5 MB" in error.value.message


def test_written_xml_is_a_moodle_question_file():
    q = read(MOODLE_EXPORT).questions[1]
    text, warnings = write_question_file([q], "xml")
    assert warnings == []
    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n  <question type="multichoice">'
    )
    assert '<answer fraction="50" format="markdown">' in text
    assert '<answer fraction="-50" format="markdown">' in text
    assert "<single>false</single>" in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question_lists(fmt="xml"))
def test_export_then_import_gives_the_same_questions(questions):
    text, warnings = write_question_file(questions, "xml")
    assert warnings == []
    assert read(text).questions == questions
