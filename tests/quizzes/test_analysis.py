"""Item analysis as pure functions (quizzes.analysis), with numbers worked out by hand."""

import math

import pytest

from quizzes.analysis import (
    EASY,
    HARD,
    LOW_DISCRIMINATION,
    AttemptRecord,
    ChoiceInfo,
    QuestionInfo,
    analyse_quiz,
    flags_for,
    pearson,
)

Q1, Q2, Q3 = (QuestionInfo(id=n, type="numeric") for n in (1, 2, 3))


def result(points, max_points=1, *, unanswered=False):
    return {
        "points": f"{points:.2f}",
        "max_points": max_points,
        "correct": points == max_points,
        "outcome": "unanswered" if unanswered else "correct" if points == max_points else "x",
    }


def attempt(user, results, *, score=0, passed=False, number=1, answers=None):
    return AttemptRecord(
        user=user,
        number=number,
        score=score,
        passed=passed,
        results={str(q): r for q, r in results.items()},
        answers=answers or {},
    )


def by_id(analysis):
    return {q.question.id: q for q in analysis.questions}


# --- The worked example: four attempts, three questions (one with partial credit) ---------------
#
#        q1 (1 pt)  q2 (1 pt)  q3 (2 pts)  score
#   u1       1          1          2        100%
#   u2       1          0          1         50%
#   u3       0          0          1         25%
#   u4       1          1          0         50%
#
# Facility: q1 3/4; q2 2/4; q3 (1 + 0.5 + 0.5 + 0) / 4 = 0.5 (fully correct: 1/4).
# Discrimination, each question's share against the rest of the attempt's share:
#   q1: x = 1 1 0 1, rest = 3/3 1/3 1/3 1/3 -> sxy 1/6, sxx 3/4, syy 1/3 -> r = 1/3
#   q2: x = 1 0 0 1, rest = 3/3 2/3 1/3 1/3 -> sxy 1/6, sxx 1, syy 11/36 -> r = 1/sqrt(11)
#   q3: x = 1 .5 .5 0, rest = 2/2 1/2 0/2 2/2 -> sxy 0 -> r = 0 (low discrimination)


@pytest.fixture
def example():
    q3 = QuestionInfo(id=3, type="multiple_response")
    rows = [
        (1, 1, 1, 2, 100, True),
        (2, 1, 0, 1, 50, True),
        (3, 0, 0, 1, 25, False),
        (4, 1, 1, 0, 50, True),
    ]
    attempts = [
        attempt(u, {1: result(a), 2: result(b), 3: result(c, 2)}, score=s, passed=p)
        for u, a, b, c, s, p in rows
    ]
    return analyse_quiz([Q1, Q2, q3], attempts, min_cell=1)


def test_the_summary_counts_attempts_and_people_and_gives_mean_median_and_pass_rate(example):
    assert (example.attempts, example.participants) == (4, 4)
    assert example.mean_score == 56.25
    assert example.median_score == 50
    assert example.pass_rate == 0.75
    assert not example.suppressed


def test_facility_is_the_mean_share_of_points_so_partial_credit_counts_its_part(example):
    questions = by_id(example)
    assert questions[1].facility == 0.75
    assert questions[2].facility == 0.5
    assert questions[3].facility == 0.5
    assert questions[3].fully_correct == 0.25
    assert questions[1].fully_correct == 0.75


def test_discrimination_correlates_each_question_with_the_rest_of_the_attempt(example):
    questions = by_id(example)
    assert questions[1].discrimination == pytest.approx(1 / 3, abs=1e-4)
    assert questions[2].discrimination == pytest.approx(1 / math.sqrt(11), abs=1e-4)
    assert questions[3].discrimination == pytest.approx(0, abs=1e-4)


def test_questions_to_check_are_flagged(example):
    questions = by_id(example)
    assert questions[1].flags == ()
    assert questions[2].flags == ()
    assert questions[3].flags == (LOW_DISCRIMINATION,)


# --- Flags --------------------------------------------------------------------------------------


def test_a_question_everyone_gets_right_is_easy_and_its_discrimination_is_undefined():
    attempts = [
        attempt(u, {1: result(1), 2: result(u % 2)}, score=50 + 50 * (u % 2)) for u in range(1, 7)
    ]
    question = by_id(analyse_quiz([Q1, Q2], attempts, min_cell=1))[1]
    assert question.facility == 1
    assert question.discrimination is None
    assert question.flags == (EASY,)


def test_a_question_nobody_gets_right_is_hard():
    attempts = [attempt(u, {1: result(0), 2: result(u % 2)}) for u in range(1, 7)]
    question = by_id(analyse_quiz([Q1, Q2], attempts, min_cell=1))[1]
    assert question.facility == 0
    assert question.flags == (HARD,)


@pytest.mark.parametrize(
    ("facility", "discrimination", "flags"),
    [
        (0.2, 0.2, ()),  # the thresholds themselves are fine
        (0.95, 0.5, ()),
        (0.1994, 0.5, (HARD,)),  # shown as 19.9%
        (0.9506, 0.5, (EASY,)),  # shown as 95.1%
        (0.5, 0.194, (LOW_DISCRIMINATION,)),  # shown as 0.19
        # Judged as shown: 20.0%, 95.0% and 0.20 are at the thresholds, not beyond them.
        (0.1996, 0.5, ()),
        (0.9504, 0.5, ()),
        (0.5, 0.196, ()),
        (0.5, -0.4, (LOW_DISCRIMINATION,)),
        (0.99, None, (EASY,)),
        (None, None, ()),
    ],
)
def test_flags_use_strict_thresholds_on_the_values_as_shown(facility, discrimination, flags):
    assert flags_for(facility, discrimination) == flags


# --- Pools: each question over the attempts that had it -----------------------------------------
#
#        q1   q2   q3
#   u1    1    1    -      rest for q1: 1 (q2)     rest for q2: 1 (q1)
#   u2    0    0    1      rest for q1: 1/2        rest for q2: 1/2
#   u3    1    -    1      rest for q1: 1 (q3)
#   u4    -    1    1                              rest for q2: 1 (q3)
#
# q1: x = 1 0 1, rest = 1 .5 1 -> mean x 2/3, mean rest 5/6; sxy 1/3, sxx 2/3, syy 1/6 -> r = 1.
# q2: the same numbers -> r = 1. q3: always right -> facility 1, r undefined.


@pytest.fixture
def pool_attempts():
    return [
        attempt(1, {1: result(1), 2: result(1)}),
        attempt(2, {1: result(0), 2: result(0), 3: result(1)}),
        attempt(3, {1: result(1), 3: result(1)}),
        attempt(4, {2: result(1), 3: result(1)}),
    ]


def test_in_a_pool_each_question_is_analysed_over_the_attempts_that_had_it(pool_attempts):
    questions = by_id(analyse_quiz([Q1, Q2, Q3], pool_attempts, min_cell=1))
    assert [questions[q].attempts for q in (1, 2, 3)] == [3, 3, 3]
    assert questions[1].facility == pytest.approx(2 / 3, abs=1e-4)
    assert questions[1].discrimination == pytest.approx(1)
    assert questions[2].discrimination == pytest.approx(1)
    assert (questions[3].facility, questions[3].discrimination) == (1, None)


def test_a_question_seen_by_fewer_people_than_the_minimum_keeps_only_its_counts(pool_attempts):
    analysis = analyse_quiz([Q1, Q2, Q3], pool_attempts, min_cell=4)
    assert (analysis.participants, analysis.suppressed) == (4, False)
    for question in analysis.questions:
        assert (question.attempts, question.participants, question.suppressed) == (3, 3, True)
        assert question.facility is question.discrimination is question.fully_correct is None
        assert question.flags == ()


def test_an_attempt_with_no_other_question_counts_for_facility_but_not_discrimination():
    attempts = [
        attempt(1, {1: result(1), 2: result(1)}),
        attempt(2, {1: result(0), 2: result(0)}),
        attempt(3, {1: result(0)}),  # nothing else to compare with
    ]
    question = by_id(analyse_quiz([Q1, Q2], attempts, min_cell=1))[1]
    assert question.facility == pytest.approx(1 / 3, abs=1e-4)
    assert question.discrimination == pytest.approx(1)  # over the first two only


def test_a_question_no_longer_in_the_quiz_is_left_out_but_still_counts_in_the_rest():
    # q9 was deleted from the quiz after these attempts were graded.
    attempts = [
        attempt(1, {1: result(1), 9: result(1)}),
        attempt(2, {1: result(0), 9: result(0)}),
        attempt(3, {1: result(1), 9: result(0)}),
    ]
    analysis = analyse_quiz([Q1], attempts, min_cell=1)
    assert [q.question.id for q in analysis.questions] == [1]
    # x = 1 0 1, rest = 1 0 0 -> sxy 1/3, sxx 2/3, syy 2/3 -> r = 1/2
    assert analysis.questions[0].discrimination == pytest.approx(0.5)


# --- Option shares ------------------------------------------------------------------------------


def test_option_shares_count_each_choice_out_of_the_attempts_that_had_the_question():
    single = QuestionInfo(
        id=1,
        type="single_choice",
        choices=(ChoiceInfo(10, "Right", True), ChoiceInfo(11, "Wrong"), ChoiceInfo(12, "Also")),
    )
    multiple = QuestionInfo(
        id=2,
        type="multiple_response",
        choices=(ChoiceInfo(20, "A", True), ChoiceInfo(21, "B", True), ChoiceInfo(22, "C")),
    )
    both_right, both_wrong = {1: result(1), 2: result(1)}, {1: result(0), 2: result(0)}
    attempts = [
        attempt(1, both_right, answers={"1": 10, "2": [20, 21]}),
        attempt(2, both_wrong, answers={"1": 11, "2": [20, 22]}),
        # A choice deleted since (99) and a boolean are no choice at all.
        attempt(3, {1: result(1), 2: result(0)}, answers={"1": 10, "2": [21, 99]}),
        attempt(4, {1: result(0, unanswered=True), 2: result(0)}, answers={"2": [True]}),
        attempt(5, {3: result(1)}, answers={"1": 11}),  # an answer to a question not drawn
    ]
    questions = by_id(analyse_quiz([single, multiple], attempts, min_cell=1))

    shares = {o.choice.id: (o.chosen, o.share) for o in questions[1].options}
    assert shares == {10: (2, 0.5), 11: (1, 0.25), 12: (0, 0.0)}
    assert questions[1].unanswered == 0.25
    shares = {o.choice.id: (o.chosen, o.share) for o in questions[2].options}
    assert shares == {20: (2, 0.5), 21: (2, 0.5), 22: (1, 0.25)}
    assert [o.choice.id for o in questions[2].options] == [20, 21, 22]  # the author's order


def test_questions_without_choices_have_no_option_shares():
    attempts = [attempt(u, {1: result(u % 2)}) for u in range(3)]
    [question] = analyse_quiz([QuestionInfo(1, "short_answer")], attempts, min_cell=1).questions
    assert question.options == ()


# --- Small cells, no attempts, first attempts ---------------------------------------------------


def test_fewer_participants_than_the_minimum_show_counts_only():
    choices = (ChoiceInfo(10, "Right", True), ChoiceInfo(11, "Wrong"))
    question = QuestionInfo(id=1, type="single_choice", choices=choices)
    attempts = [
        attempt(1, {1: result(1)}, score=100, passed=True, answers={"1": 10}),
        attempt(1, {1: result(0)}, score=0, number=2, answers={"1": 11}),
        attempt(2, {1: result(1)}, score=100, passed=True, answers={"1": 10}),
    ]
    analysis = analyse_quiz([question], attempts, min_cell=5)
    assert (analysis.attempts, analysis.participants, analysis.suppressed) == (3, 2, True)
    assert analysis.mean_score is analysis.median_score is analysis.pass_rate is None
    [q] = analysis.questions
    assert (q.attempts, q.participants, q.suppressed) == (3, 2, True)
    assert q.facility is q.discrimination is q.unanswered is None
    assert [(o.chosen, o.share) for o in q.options] == [(None, None), (None, None)]

    shown = analyse_quiz([question], attempts, min_cell=2)
    assert not shown.suppressed
    assert shown.mean_score == pytest.approx(66.67)
    assert shown.questions[0].facility == pytest.approx(2 / 3, abs=1e-4)


def test_no_attempts_give_counts_of_zero_and_nothing_else():
    analysis = analyse_quiz([Q1], [], min_cell=5)
    assert (analysis.attempts, analysis.participants, analysis.suppressed) == (0, 0, False)
    assert analysis.mean_score is None
    [question] = analysis.questions
    assert (question.attempts, question.suppressed, question.facility) == (0, False, None)


# --- Pearson ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xs", "ys", "r"),
    [
        ([1, 2, 3], [2, 4, 6], 1.0),
        ([1, 2, 3], [3, 2, 1], -1.0),
        # dx -1.5 -.5 .5 1.5, dy -1 1 -1 1 -> sxy 1.5 - .5 - .5 + 1.5 = 2; sxx 5; syy 4
        ([1, 2, 3, 4], [1, 3, 1, 3], 2 / math.sqrt(20)),
        ([1, 1, 1], [1, 2, 3], None),
        ([1], [1], None),
        ([], [], None),
    ],
)
def test_pearson(xs, ys, r):
    if r is None:
        assert pearson(xs, ys) is None
    else:
        assert pearson(xs, ys) == pytest.approx(r)
