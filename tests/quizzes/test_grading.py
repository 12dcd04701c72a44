"""Grading rules per question type: pure functions, no database."""

from decimal import Decimal
from fractions import Fraction

import pytest

from quizzes.grading import (
    AnswerError,
    ChoiceData,
    LayoutItem,
    PairData,
    QuestionData,
    clean_answer,
    grade_attempt,
    grade_question,
    normalise_text,
    parse_number,
    shown_answer,
)


def fullwidth(text):
    """The text in full-width forms, as East Asian keyboards often type it."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in text)


def choice_question(kind="single_choice", *, right=1, wrong=2, **fields):
    choices = tuple(
        ChoiceData(
            id=i + 1,
            text=f"Choice {i + 1}",
            is_correct=i < right,
            feedback=f"feedback {i + 1}",
        )
        for i in range(right + wrong)
    )
    question = QuestionData(
        id=10,
        type=kind,
        choices=choices,
        feedback_correct="well done",
        feedback_incorrect="not quite",
        **fields,
    )
    # Shown under opaque ids made for the attempt; stored answers name the choice ids.
    return question, LayoutItem(question=10, choices=tuple((f"c{c.id}", c.id) for c in choices))


def matching_question(pairs=None, **fields):
    pairs = pairs or [("C29", "Forced labour"), ("C138", "Child labour"), ("C155", "Safety")]
    data = tuple(PairData(id=100 + i, prompt=p, answer=a) for i, (p, a) in enumerate(pairs))
    question = QuestionData(id=20, type="matching", pairs=data, **fields)
    seen = {}
    for pair in data:
        seen.setdefault(pair.answer, pair.id)
    options = tuple((f"opt{pair_id}", pair_id) for pair_id in reversed(seen.values()))
    return question, LayoutItem(question=20, prompts=tuple(p.id for p in data), options=options)


def option_for(item, pair_id):
    return next(token for token, pair in item.options if pair == pair_id)


def test_single_choice_right_earns_full_points_and_correct_feedback():
    question, item = choice_question(points=2)
    result = grade_question(question, item, 1)
    assert (result.points, result.correct, result.outcome) == (2, True, "correct")
    assert result.feedback == "well done"
    assert result.choice_feedback == {1: "feedback 1"}


def test_single_choice_wrong_earns_nothing_with_the_picked_choices_feedback():
    question, item = choice_question()
    result = grade_question(question, item, 3)
    assert (result.points, result.correct, result.outcome) == (0, False, "incorrect")
    assert result.feedback == "not quite"
    assert result.choice_feedback == {3: "feedback 3"}


def test_unanswered_question_earns_nothing():
    question, item = choice_question()
    result = grade_question(question, item, None)
    assert (result.points, result.answered, result.outcome) == (0, False, "unanswered")
    assert result.feedback == "not quite"


@pytest.mark.parametrize(("picked", "correct"), [(1, True), (2, False)])
def test_true_false_is_graded_like_a_single_choice(picked, correct):
    question, item = choice_question("true_false", right=1, wrong=1)
    result = grade_question(question, item, picked)
    assert result.correct is correct
    assert result.points == (1 if correct else 0)


@pytest.mark.parametrize(
    ("picked", "points", "correct"),
    [
        ([1, 2, 3], 3, True),
        ([3, 2, 1], 3, True),
        ([1, 2], 0, False),  # one right choice missing
        ([1, 2, 3, 4], 0, False),  # a wrong choice picked too
        ([4, 5], 0, False),
    ],
)
def test_multiple_response_without_partial_credit_is_all_or_nothing(picked, points, correct):
    question, item = choice_question("multiple_response", right=3, wrong=2, points=3)
    result = grade_question(question, item, picked)
    assert (result.points, result.correct) == (points, correct)


@pytest.mark.parametrize(
    ("picked", "points", "outcome"),
    [
        ([1, 2, 3], Fraction(1), "correct"),
        ([1, 2], Fraction(2, 3), "partial"),
        ([1, 2, 4], Fraction(1, 3), "partial"),  # a wrong pick cancels one right one
        ([1, 2, 3, 4], Fraction(2, 3), "partial"),
        ([1, 4, 5], Fraction(0), "incorrect"),  # never below zero
        ([4], Fraction(0), "incorrect"),
    ],
)
def test_multiple_response_with_partial_credit_gives_a_share_per_right_choice(
    picked, points, outcome
):
    question, item = choice_question("multiple_response", right=3, wrong=2, partial_credit=True)
    result = grade_question(question, item, picked)
    assert result.points == points
    assert result.outcome == outcome
    assert result.to_json()["points"] == str(
        (Decimal(points.numerator) / points.denominator).quantize(Decimal("0.01"), "ROUND_DOWN")
    )


@pytest.mark.parametrize(
    "given",
    [
        "joint procurement",
        "Joint Procurement",
        "  JOINT   procurement ",
        "joint\tprocurement\n",
        fullwidth("joint procurement"),  # full-width letters and space (NFKC)
    ],
)
def test_short_answer_ignores_case_whitespace_and_width(given):
    question = QuestionData(id=1, type="short_answer", accepted_answers=("Joint procurement",))
    assert grade_question(question, LayoutItem(question=1), given).correct


def test_short_answer_uses_case_folding_not_just_lower_case():
    question = QuestionData(id=1, type="short_answer", accepted_answers=("Straße",))
    assert grade_question(question, LayoutItem(question=1), "STRASSE").correct
    assert normalise_text("ﬁnal  ANSWER") == "final answer"  # a ligature, NFKC


@pytest.mark.parametrize("given", ["joint", "joint procurement body", "procurement joint"])
def test_short_answer_other_text_is_wrong(given):
    question = QuestionData(id=1, type="short_answer", accepted_answers=("joint procurement",))
    assert not grade_question(question, LayoutItem(question=1), given).correct


def short_answer(*accepted):
    return QuestionData(id=1, type="short_answer", accepted_answers=accepted)


# Arabic marks, named because they are hard to see in source.
TATWEEL, FATHA, DAMMA, KASRA, SUKUN = "\u0640", "\u064e", "\u064f", "\u0650", "\u0652"
DAMMATAN, SUPERSCRIPT_ALEF = "\u064c", "\u0670"
NBSP, NARROW_NBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("buying", "buying."),
        ("buying", "Buying!"),
        ("buying.", "buying"),  # the accepted answer is normalised the same way
        ("buying", '"buying"'),
        ("buying", "“Buying.”"),
        ("buying", "'buying',"),
        ("buying", "(buying)"),
        ("buying", ' « "buying." » '),  # stripped repeatedly, spaces between
        ("buying", fullwidth("buying") + "。"),  # full-width letters, ideographic full stop
        ("achats publics", f"«{NBSP}Achats publics{NBSP}»"),
        ("achats publics", f"achats publics{NARROW_NBSP}!"),
        ("diligencia debida", "¿Diligencia debida?"),
        ("sí", "¡Sí!"),
        ("العناية الواجبة", "«العناية الواجبة»؟"),
        ("مشتريات", "مشتريات،"),  # Arabic comma
        ("مشتريات", "مشتريات؛"),  # Arabic semicolon
        ("مشتريات", "مشتريات\u06d4"),  # Arabic full stop
    ],
)
def test_short_answer_ignores_punctuation_and_quotes_at_either_end(accepted, given):
    result = grade_question(short_answer(accepted), LayoutItem(question=1), given)
    assert (result.correct, result.points, result.outcome) == (True, 1, "correct")


@pytest.mark.parametrize(
    ("accepted", "given", "correct"),
    [
        ("art. 18(2)", "Art. 18(2).", True),
        ("art. 18(2)", "art 18(2)", False),
        ("art. 18(2)", "art. 18 2", False),
        ("art. 18(2)", "art. 182", False),
        ("ISO 20400:2017", "“ISO 20400:2017”", True),
        ("ISO 20400:2017", "ISO 20400 2017", False),
        ("ISO 20400:2017", "ISO 204002017", False),
        ("cause/contribute", "Cause/contribute.", True),
        ("cause/contribute", "cause contribute", False),
        ("cause/contribute", "causecontribute", False),
        ("C++", "C", False),  # symbols (Unicode S*) are not punctuation
        ("5 €", "5", False),
    ],
)
def test_short_answer_keeps_inner_punctuation_and_symbols(accepted, given, correct):
    assert grade_question(short_answer(accepted), LayoutItem(question=1), given).correct is correct
    assert normalise_text(' ¿"Cause/Contribute"? ') == "cause/contribute"


@pytest.mark.parametrize("given", ["?", "...", " « » ", "¿?", "؟", "—"])
def test_short_answer_of_only_punctuation_is_no_answer(given):
    question, item = short_answer("buying"), LayoutItem(question=1)
    assert clean_answer(question, item, given) == given.strip()  # kept as typed
    result = grade_question(question, item, given)
    assert (result.correct, result.points, result.outcome) == (False, 0, "unanswered")
    # Nor does it match an accepted answer of only punctuation (authors cannot save one).
    assert grade_question(short_answer("?", "..."), item, given).outcome == "unanswered"


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("مشتريات", f"م{DAMMA}ش{SUKUN}ت{FATHA}ر{FATHA}ي{FATHA}ات"),  # vowel marks typed
        (f"م{DAMMA}ش{SUKUN}ت{FATHA}ر{FATHA}ي{FATHA}ات", "مشتريات"),  # ... or accepted
        ("مشتريات", f"مش{TATWEEL * 3}تريات"),  # stretched with tatweel
        ("عقد", f"ع{FATHA}ق{SUKUN}د{DAMMATAN}."),  # tanwin and a full stop
        ("ذلك", f"ذ{SUPERSCRIPT_ALEF}لك"),
    ],
)
def test_short_answer_ignores_arabic_tatweel_and_vowel_marks(accepted, given):
    assert grade_question(short_answer(accepted), LayoutItem(question=1), given).correct


def test_short_answer_arabic_letters_still_count_without_vowel_marks():
    question = short_answer("مشتريات")  # purchases
    given = f"م{DAMMA}ش{SUKUN}ت{FATHA}ر{KASRA}ي"  # buyer, vowelled
    assert not grade_question(question, LayoutItem(question=1), given).correct


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("l'achat public", "l\u2019achat public"),  # a phone's apostrophe
        ("l\u2019achat public", "L'achat public"),
        ("due diligence", "\u200fdue diligence\u200e"),  # direction marks pasted around it
        ("العناية الواجبة", "\u200fالعناية\u200b الواجبة"),  # noqa: RUF001
    ],
)
def test_short_answer_reads_typographic_apostrophes_and_ignores_invisible_marks(accepted, given):
    assert grade_question(short_answer(accepted), LayoutItem(question=1), given).correct


def test_short_answer_apostrophe_is_not_dropped():
    assert not grade_question(short_answer("l'achat"), LayoutItem(question=1), "lachat").correct


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("3.5", True),
        ("3,5", True),
        (3.5, True),
        ("3.4", True),  # within the tolerance, inclusive
        ("3.6", True),
        (" +3.60 ", True),
        ("3.61", False),
        ("3.39", False),
        ("-3.5", False),
        ("35", False),
    ],
)
def test_numeric_is_right_within_the_tolerance_inclusive(given, correct):
    question = QuestionData(
        id=1, type="numeric", numeric_answer=Decimal("3.5"), tolerance=Decimal("0.1")
    )
    assert grade_question(question, LayoutItem(question=1), given).correct is correct


def test_numeric_with_no_tolerance_needs_the_exact_value():
    question = QuestionData(id=1, type="numeric", numeric_answer=Decimal(112))
    assert grade_question(question, LayoutItem(question=1), 112).correct
    assert grade_question(question, LayoutItem(question=1), "112.0").correct
    assert not grade_question(question, LayoutItem(question=1), "112.01").correct


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("1 000", 1000),
        ("\u22122", -2),
        (fullwidth("12"), 12),
        (".5", Decimal("0.5")),
        ("7", 7),
        (7, 7),
    ],
)
def test_numbers_are_read_the_way_people_write_them(given, value):
    assert parse_number(given) == value


@pytest.mark.parametrize(
    "given", ["", "abc", "NaN", "Infinity", "1e5", "1,000.5", "3,5,1", True, [1], {"a": 1}]
)
def test_what_is_not_a_number_is_refused(given):
    with pytest.raises(AnswerError):
        parse_number(given)


def test_matching_all_right_earns_full_points():
    question, item = matching_question()
    answer = {str(p): option_for(item, p) for p in item.prompts}
    result = grade_question(question, item, answer)
    assert (result.points, result.correct) == (1, True)


def test_matching_without_partial_credit_is_all_or_nothing():
    question, item = matching_question(points=3)
    answer = {str(p): option_for(item, p) for p in item.prompts}
    answer["100"], answer["101"] = answer["101"], answer["100"]
    result = grade_question(question, item, answer)
    assert (result.points, result.correct, result.outcome) == (0, False, "incorrect")


def test_matching_with_partial_credit_scores_each_prompt():
    question, item = matching_question(points=3, partial_credit=True)
    answer = {str(p): option_for(item, p) for p in item.prompts}
    answer["100"], answer["101"] = answer["101"], answer["100"]
    result = grade_question(question, item, answer)
    assert (result.points, result.correct, result.outcome) == (1, False, "partial")
    del answer["102"]  # an unanswered prompt earns nothing
    assert grade_question(question, item, answer).points == 0


def test_matching_prompts_with_the_same_answer_share_one_option():
    question, item = matching_question(
        [("Forced labour", "ILO fundamental"), ("Child labour", "ILO fundamental"), ("GDPR", "EU")]
    )
    assert len(item.options) == 2
    fundamental = option_for(item, 100)
    answer = {"100": fundamental, "101": fundamental, "102": option_for(item, 102)}
    assert grade_question(question, item, answer).correct


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("single_choice", [1]),
        ("single_choice", "one"),
        ("single_choice", True),
        ("single_choice", 1.0),
        ("single_choice", 99),
        ("single_choice", 1),  # a choice's id in the quiz, not as the attempt shows it
        ("multiple_response", 1),
        ("multiple_response", "1,2"),
        ("multiple_response", ["c1", "c99"]),
        ("multiple_response", [1, 2]),
        ("multiple_response", [[1]]),
        ("short_answer", 42),
        ("short_answer", ["a"]),
        ("short_answer", "x" * 501),
        ("numeric", "three"),
        ("numeric", [3]),
        ("numeric", False),
        ("matching", ["opt100"]),
        ("matching", {"999": "opt100"}),
        ("matching", {"100": "nope"}),
        ("matching", {"100": 100}),
    ],
)
def test_answers_that_do_not_fit_their_question_are_refused(kind, value):
    if kind == "matching":
        question, item = matching_question()
    elif kind in ("single_choice", "multiple_response"):
        question, item = choice_question(kind)
    else:
        question, item = QuestionData(id=1, type=kind), LayoutItem(question=1)
    with pytest.raises(AnswerError):
        clean_answer(question, item, value)


def test_empty_answers_clear_the_saved_answer():
    question, item = choice_question("multiple_response")
    assert clean_answer(question, item, []) is None
    assert clean_answer(question, item, None) is None
    assert clean_answer(QuestionData(id=1, type="short_answer"), item, "   ") is None
    assert clean_answer(QuestionData(id=1, type="numeric"), item, "") is None
    question, item = matching_question()
    assert clean_answer(question, item, {}) is None


def test_multiple_response_answer_is_stored_in_the_shown_order_without_duplicates():
    question, item = choice_question("multiple_response", right=2, wrong=2)
    item = LayoutItem(question=item.question, choices=(("d", 4), ("b", 2), ("c", 3), ("a", 1)))
    assert clean_answer(question, item, ["a", " b", "b", "d"]) == [4, 2, 1]


def test_choices_are_given_by_their_ids_in_the_attempt_and_stored_by_their_ids_in_the_quiz():
    question, item = choice_question("single_choice")
    assert clean_answer(question, item, "c2") == 2
    assert shown_answer(item, 2) == "c2"
    question, item = choice_question("multiple_response", right=2, wrong=2)
    assert clean_answer(question, item, ["c4", "c1"]) == [1, 4]
    assert shown_answer(item, [1, 4]) == ["c1", "c4"]
    assert shown_answer(item, None) is None
    assert shown_answer(LayoutItem(question=1), "joint procurement") == "joint procurement"


def test_an_attempt_started_before_opaque_ids_shows_and_takes_the_choice_ids():
    question, _item = choice_question("multiple_response", right=2, wrong=2)
    item = LayoutItem.from_json({"question": 10, "choices": [3, 1, 2, 4]})
    assert item.choices == (("3", 3), ("1", 1), ("2", 2), ("4", 4))
    assert clean_answer(question, item, [1, "2"]) == [1, 2]
    assert shown_answer(item, [1, 2]) == ["1", "2"]
    assert LayoutItem.from_json(item.to_json()) == item


def test_attempt_score_is_rounded_down_and_passing_is_judged_exactly():
    questions = {}
    layout = []
    for n in range(3):
        question, item = choice_question()
        question = QuestionData(id=n, type="single_choice", choices=question.choices)
        questions[n] = question
        layout.append(LayoutItem(question=n, choices=item.choices))
    answers = {"0": 1, "1": 1, "2": 2}
    grade = grade_attempt(questions, layout, answers, pass_mark=67)
    assert (grade.points, grade.max_points, grade.score) == (Decimal(2), 3, Decimal("66.66"))
    assert grade.passed is False
    assert grade_attempt(questions, layout, answers, pass_mark=66).passed is True
    assert grade.results["2"].outcome == "incorrect"


def test_attempt_ignores_questions_deleted_since_it_started():
    question, item = choice_question()
    layout = [item, LayoutItem(question=999)]
    grade = grade_attempt({10: question}, layout, {"10": 1, "999": 1}, pass_mark=100)
    assert (grade.max_points, grade.score, grade.passed) == (1, Decimal(100), True)
    assert list(grade.results) == ["10"]


def test_a_stored_answer_that_no_longer_fits_counts_as_unanswered():
    question, item = choice_question()
    result = grade_question(question, item, 42)  # a choice deleted during the attempt
    assert (result.points, result.outcome) == (0, "unanswered")
