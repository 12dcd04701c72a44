"""GIFT in and out: Moodle's documented examples, what cannot be imported, round trips.

The examples follow Moodle's GIFT format page (docs.moodle.org/en/GIFT_format).
"""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from courses.exceptions import PackageError
from courses.packages.question_files import read_question_data, write_question_file
from tests.quizzes.question_strategies import question_lists


def read(text):
    return read_question_data(text.encode(), "gift", label="bank.gift")


def only(text):
    result = read(text)
    assert len(result.questions) == 1
    return result.questions[0]


def refusal(text) -> str:
    with pytest.raises(PackageError) as error:
        read(text)
    return str(error.value.message)


# --- Moodle's examples ---------------------------------------------------------------------


def test_multiple_choice_with_one_right_answer_is_a_single_choice_question():
    q = only("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q.type == "single_choice"
    assert q.prompt == "Who's buried in Grant's tomb?"
    assert [(c.key, c.text, c.correct) for c in q.choices] == [
        ("a", "Grant", False),
        ("b", "Jefferson", False),
        ("c", "no one", True),
    ]


def test_missing_word_question_puts_a_blank_where_the_answers_were():
    q = only("Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.")
    assert q.prompt == "Moodle costs _____ to download from moodle.org."
    assert [c.text for c in q.choices if c.correct] == ["nothing"]


def test_true_false_questions():
    false = only("Grant is buried in Grant's tomb.{F}")
    true = only("The sun rises in the east.{TRUE}")
    assert false.type == true.type == "true_false"
    assert {c.key: c.correct for c in false.choices} == {"true": False, "false": True}
    assert {c.key: c.correct for c in true.choices} == {"true": True, "false": False}


def test_true_false_feedback_is_wrong_answer_first_then_right_answer():
    q = only("You can use your pencil and paper for these next math questions.{TRUE#No!#Yes!}")
    assert {c.key: c.feedback for c in q.choices} == {"true": "Yes!", "false": "No!"}


def test_short_answer_accepts_every_right_answer():
    q = only("Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}")
    assert q.type == "short_answer"
    assert q.accepted_answers == ["Grant", "Ulysses S. Grant", "Ulysses Grant"]
    assert only("Two plus two equals {=four =4}.").prompt == "Two plus two equals _____."


def test_matching_pairs_give_partial_credit_as_in_moodle():
    q = only(
        "Match the following countries with their corresponding capitals. {\n"
        "    =Canada -> Ottawa\n"
        "    =Italy  -> Rome\n"
        "    =Japan  -> Tokyo\n"
        "    =India  -> New Delhi\n"
        "    ####It's good to know the capitals\n"
        "}"
    )
    assert q.type == "matching"
    assert q.partial_credit is True
    assert [(p.key, p.prompt, p.answer) for p in q.pairs][:2] == [
        ("1", "Canada", "Ottawa"),
        ("2", "Italy", "Rome"),
    ]
    assert q.feedback_correct == q.feedback_incorrect == "It's good to know the capitals"


def test_numeric_answer_with_tolerance():
    q = only("When was Ulysses S. Grant born?{#1822:5}")
    assert (q.type, q.numeric_answer, q.tolerance) == ("numeric", Decimal(1822), Decimal(5))
    exact = only("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.")
    assert (exact.numeric_answer, exact.tolerance) == (Decimal("3.1415"), Decimal("0.0005"))


def test_numeric_range_is_its_middle_give_or_take_half():
    q = only("::Q5:: What is a number from 1 to 5? {#1..5}")
    assert (q.key, q.numeric_answer, q.tolerance) == ("Q5", Decimal(3), Decimal(2))


def test_numeric_answer_without_tolerance_must_be_exact():
    assert only("How many ILO fundamental conventions are there?{#10}").tolerance == 0


def test_feedback_for_each_answer():
    q = only(
        "What's the answer to this multiple-choice question? {\n"
        "~wrong answer#feedback comment on the wrong answer\n"
        "~another wrong answer#feedback comment on this wrong answer\n"
        "=right answer#Very good!}"
    )
    assert [c.feedback for c in q.choices] == [
        "feedback comment on the wrong answer",
        "feedback comment on this wrong answer",
        "Very good!",
    ]


def test_general_feedback_is_shown_whatever_the_answer():
    q = only("How many pillars do the UN Guiding Principles have?{#3####Protect, respect, remedy.}")
    assert q.feedback_correct == q.feedback_incorrect == "Protect, respect, remedy."


def test_equal_weights_with_equal_penalties_are_partial_credit():
    q = only(
        "What two people are entombed in Grant's tomb? {\n"
        "   ~%-50%No one\n"
        "   ~%50%Grant\n"
        "   ~%50%Grant's wife\n"
        "   ~%-50%Grant's father\n"
        "}"
    )
    assert q.type == "multiple_response"
    assert q.partial_credit is True
    assert [c.correct for c in q.choices] == [False, True, True, False]


def test_equal_weights_without_penalties_import_with_a_warning():
    result = read("Which are ILO fundamental conventions?{~%50%C29 ~%50%C182 ~C94}")
    assert result.questions[0].partial_credit is True
    assert result.warnings == [
        "bank.gift, line 1: wrong answers without a penalty: here each wrong pick cancels one "
        "right pick (in Moodle, picking every answer would score full marks)"
    ]


def test_moodle_example_with_full_penalties_is_refused_naming_the_line():
    message = refusal(
        "// question: 1\n"
        "What two people are entombed in Grant's tomb? {\n"
        "   ~%-100%No one\n"
        "   ~%50%Grant\n"
        "   ~%50%Grant's wife\n"
        "   ~%-100%Grant's father\n"
        "}"
    )
    assert message.startswith("bank.gift: 1 question cannot be imported:\n  line 2: ")
    assert "penalty other than minus one right answer's share" in message


def test_unequal_weights_and_partly_right_answers_are_refused():
    unequal = refusal("Pick the pillars.{~%70%Protect ~%30%Respect ~Buy}")
    assert "different weights" in unequal
    partly = refusal(
        "::Jesus' hometown::Jesus Christ was from {\n"
        "   ~Jerusalem#This was an important city, but the wrong answer.\n"
        "   ~%25%Bethlehem#He was born here, but not raised here.\n"
        "   ~%50%Galilee#You need to be more specific.\n"
        "   =Nazareth#Yes! That's right!\n"
        "}"
    )
    assert "partial or negative marks on the wrong answers" in partly


def test_several_numeric_answers_with_partial_credit_are_refused():
    message = refusal(
        "When was Ulysses S. Grant born? {#\n"
        "    =1822:0      # Correct! Full credit.\n"
        "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n"
        "}"
    )
    assert "line 1: 2 numeric answers" in message


def test_feedback_on_short_answers_is_refused():
    assert "feedback on a short answer" in refusal("Who?{=Grant#Yes =Ulysses#Yes, too}")


def test_comments_titles_and_blank_lines():
    result = read(
        "// A comment before the first question\n"
        "::Q1:: 1+1=2 {T}\n"
        "\n"
        "\n"
        "// question: 2\n"
        "::Two plus two:: 2+2 = {#4}\n"
    )
    assert [(q.key, q.prompt) for q in result.questions] == [
        ("Q1", "1+1=2"),
        ("two-plus-two", "2+2 ="),
    ]


def test_escaped_characters_are_text():
    q = only(
        "::Escapes::Which set is \\{1, 2\\}\\: the \\#1 answer \\= the \\~ one\\\\? "
        "{=\\{1, 2\\}#right\\: yes ~\\{1\\}}"
    )
    assert q.prompt == "Which set is {1, 2}: the #1 answer = the ~ one\\?"
    assert [(c.text, c.feedback) for c in q.choices] == [("{1, 2}", "right: yes"), ("{1}", "")]


def test_backslash_n_is_a_new_line():
    assert only("First line\\nsecond line{T}").prompt == "First line\nsecond line"


def test_format_markers_are_dropped_and_the_text_kept():
    assert only("[markdown]What is **due diligence**?{T}").prompt == "What is **due diligence**?"
    assert only("[html]<p>Is this <b>bold</b>?</p>{T}").prompt == "<p>Is this <b>bold</b>?</p>"
    assert only("::t::[plain]Plain text?{F}").prompt == "Plain text?"


def test_arabic_question():
    q = only("::مشتريات:: هل تشمل المشتريات العامة حقوق الإنسان؟{T####نعم.}")
    assert q.key == "q1"  # an Arabic title makes no ASCII key
    assert q.prompt == "هل تشمل المشتريات العامة حقوق الإنسان؟"
    assert q.feedback_correct == "نعم."


def test_keys_come_from_titles_and_stay_unique():
    result = read("::Same title:: One?{T}\n\n::Same title:: Two?{F}\n\nThree?{T}")
    assert [q.key for q in result.questions] == ["same-title", "same-title-2", "q3"]


def test_categories_are_ignored_with_a_warning():
    result = read("$CATEGORY: $course$/Procurement\n\nIs it?{T}")
    assert len(result.questions) == 1
    assert result.warnings == [
        "bank.gift, line 1: question categories are ignored: the questions join the quiz"
    ]


# --- What cannot be imported ---------------------------------------------------------------


def test_unsupported_types_are_listed_together_with_their_lines():
    message = refusal(
        "Is this fine?{T}\n"
        "\n"
        "::Essay:: Write about due diligence.{}\n"
        "\n"
        "This is only a description.\n"
        "\n"
        "Two blanks: {=a} and {=b}.\n"
    )
    assert message == (
        "bank.gift: 3 questions cannot be imported:\n"
        "  line 3: an essay question (empty answer block {}): not supported\n"
        "  line 5: a description (text without answers) is not a question: not supported\n"
        "  line 7: more than one answer block { } (an embedded answers question): not supported"
    )


@pytest.mark.parametrize(
    "text",
    ["What?{=a ~b", "What? =a ~b}", "What?}{=a ~b", "What?{=a ~b}}"],
)
def test_unbalanced_braces_are_refused(text):
    assert "line 1: unbalanced braces" in refusal(text)


def test_a_question_that_fails_the_package_checks_names_file_and_line():
    message = refusal("Fine?{T}\n\n// an empty choice\nWhich?{=Yes ~}\n")
    assert message == "bank.gift, line 4: text: must not be empty"


def test_single_answer_question_with_two_right_answers_is_refused():
    assert "exactly one right answer, not 2" in refusal("Which?{=a =b ~c}")


def test_empty_file_and_file_of_comments_have_no_questions():
    assert refusal("// nothing here\n") == "bank.gift: no questions in this file"


def test_text_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(PackageError) as error:
        read_question_data(b"One?{T}\n\nCaf\xe9?{T}", "gift", label="bank.gift")
    assert error.value.message == "bank.gift, line 3: not UTF-8 text"


def test_file_over_the_limit_is_refused_before_reading():
    with pytest.raises(PackageError) as error:
        read_question_data(b"x" * (5 * 1024 * 1024 + 1), "gift", label="bank.gift")
    assert "at most 5 MB" in error.value.message


# --- Out -----------------------------------------------------------------------------------


def test_written_gift_reads_as_moodle_writes_it():
    q = only(
        "::pillars::How many pillars?{~Two#No. =Three#Yes. ~Four####Protect, respect, remedy.}"
    )
    text, warnings = write_question_file([q], "gift")
    assert warnings == []
    assert text == (
        "::pillars::[markdown]How many pillars? {\n"
        "~Two#No.\n"
        "=Three#Yes.\n"
        "~Four\n"
        "####Protect, respect, remedy.\n"
        "}\n"
    )


def test_what_gift_cannot_say_is_reported():
    q = only("::m::Pick two.{~%50%a ~%50%b ~%-50%c}")
    q.partial_credit = False
    q.points = 3
    q.feedback_correct = "Right."
    _text, warnings = write_question_file([q], "gift")
    assert warnings == [
        "question 'm': all-or-nothing multiple response is written with Moodle weights: in "
        "Moodle it gives partial credit",
        "question 'm': different feedback when correct and incorrect: GIFT has one general "
        "feedback here, so both were left out",
        "question 'm': worth 3 points: GIFT has no points (Moodle gives 1)",
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question_lists(fmt="gift"))
def test_export_then_import_gives_the_same_questions(questions):
    text, warnings = write_question_file(questions, "gift")
    assert warnings == []
    assert read(text).questions == questions
