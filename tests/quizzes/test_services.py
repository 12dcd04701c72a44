"""The quiz engine's services: starting, resuming, saving, submitting, time limits, limits."""

import itertools
import random
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection, transaction
from django.utils import timezone

from courses.events import course_completed
from courses.models import EnrolmentStatus, Lesson, LessonCompletion
from courses.services.progress import (
    LessonCompletionOutcome,
    evaluate_completion,
    record_lesson_completion,
    record_quiz_result,
)
from quizzes import services
from quizzes.exceptions import (
    AlreadySubmitted,
    AttemptLimitReached,
    InvalidAnswers,
    NotEnrolled,
    QuizHasNoQuestions,
    TimeUp,
)
from quizzes.models import Attempt, AttemptStatus, QuestionType
from quizzes.selectors import get_saved_answers
from tests.concurrency import run_together
from tests.factories import make_user

from .factories import (
    add_every_type,
    add_matching,
    add_multiple_response,
    add_single_choice,
    add_true_false,
    enrol_in,
    make_empty_quiz,
    make_module,
    matching_answer,
    right_answer,
    wrong_answer,
)


@pytest.fixture
def quiz(db):
    return make_empty_quiz(pass_mark=50)


@pytest.fixture
def enrolled(participant, quiz):
    enrol_in(participant, quiz.course)
    return participant


def question_order(attempt):
    return [item["question"] for item in attempt.layout]


def choice_orders(attempt):
    """Each question's choices (their ids in the quiz) in the order the attempt shows them."""
    return [[choice for _opaque, choice in item["choices"]] for item in attempt.layout]


def test_starting_needs_a_current_enrolment(participant, quiz):
    add_single_choice(quiz)
    with pytest.raises(NotEnrolled):
        services.start_attempt(participant, quiz)
    assert not Attempt.objects.exists()


def test_a_withdrawn_participant_cannot_start(participant, quiz):
    add_single_choice(quiz)
    enrol_in(participant, quiz.course, status=EnrolmentStatus.WITHDRAWN)
    with pytest.raises(NotEnrolled):
        services.start_attempt(participant, quiz)


def test_a_participant_who_completed_the_course_may_still_start(participant, quiz):
    add_single_choice(quiz)
    enrol_in(participant, quiz.course, status=EnrolmentStatus.COMPLETED)
    attempt, created = services.start_attempt(participant, quiz)
    assert created and attempt.number == 1


def test_enrolment_in_another_course_does_not_count(participant, quiz):
    add_single_choice(quiz)
    enrol_in(participant, make_module().course)
    with pytest.raises(NotEnrolled):
        services.start_attempt(participant, quiz)


def test_starting_again_resumes_the_attempt_in_progress(enrolled, quiz):
    add_single_choice(quiz)
    first, created = services.start_attempt(enrolled, quiz)
    again, created_again = services.start_attempt(enrolled, quiz)
    assert created and not created_again
    assert again.pk == first.pk
    assert Attempt.objects.count() == 1


def test_a_quiz_without_questions_cannot_be_started(enrolled, quiz):
    with pytest.raises(QuizHasNoQuestions):
        services.start_attempt(enrolled, quiz)


def test_attempt_limit_counts_every_attempt(enrolled, quiz):
    question = add_single_choice(quiz)
    quiz.max_attempts = 2
    quiz.save()
    for number in (1, 2):
        attempt, _created = services.start_attempt(enrolled, quiz)
        assert attempt.number == number
        services.submit_attempt(
            attempt.user, attempt.pk, answers={question.pk: wrong_answer(question, attempt)}
        )
    with pytest.raises(AttemptLimitReached):
        services.start_attempt(enrolled, quiz)
    assert Attempt.objects.count() == 2


def test_attempt_limit_applies_after_passing_too(enrolled, quiz):
    question = add_single_choice(quiz)
    quiz.max_attempts = 1
    quiz.save()
    attempt, _ = services.start_attempt(enrolled, quiz)
    services.submit_attempt(
        attempt.user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )
    with pytest.raises(AttemptLimitReached):
        services.start_attempt(enrolled, quiz)


def test_without_shuffling_questions_and_choices_keep_the_quiz_order(enrolled, quiz):
    questions = [add_single_choice(quiz) for _ in range(5)]
    attempt, _ = services.start_attempt(enrolled, quiz, rng=random.Random(3))
    assert question_order(attempt) == [q.pk for q in questions]
    for shown, question in zip(choice_orders(attempt), questions, strict=True):
        assert shown == list(question.choices.values_list("pk", flat=True))


def test_shuffled_order_is_fixed_for_the_attempt_and_differs_between_attempts(enrolled, quiz):
    quiz.shuffle_questions = quiz.shuffle_choices = True
    quiz.save()
    questions = [add_multiple_response(quiz, right=3, wrong=3) for _ in range(8)]
    rng = random.Random(7)
    first, _ = services.start_attempt(enrolled, quiz, rng=rng)
    resumed, _ = services.start_attempt(enrolled, quiz, rng=rng)
    assert resumed.layout == first.layout  # a reload shows the same order
    services.submit_attempt(first.user, first.pk)
    second, _ = services.start_attempt(enrolled, quiz, rng=rng)
    assert sorted(question_order(first)) == sorted(q.pk for q in questions)
    assert question_order(first) != [q.pk for q in questions]
    assert question_order(second) != question_order(first)
    assert choice_orders(second) != choice_orders(first)
    assert Attempt.objects.get(pk=first.pk).layout == first.layout  # stored, not recomputed


def test_true_false_choices_are_never_shuffled(enrolled, quiz):
    quiz.shuffle_choices = True
    quiz.save()
    question = add_true_false(quiz)
    true, false = question.choices.order_by("order").values_list("pk", flat=True)
    for seed in range(5):
        attempt, _ = services.start_attempt(enrolled, quiz, rng=random.Random(seed))
        assert choice_orders(attempt) == [[true, false]]
        services.submit_attempt(attempt.user, attempt.pk)


def test_draw_picks_the_number_of_questions_asked_and_varies_between_attempts(enrolled, quiz):
    quiz.draw_count = 3
    quiz.save()
    pool = [add_single_choice(quiz) for _ in range(10)]
    pool_order = [q.pk for q in pool]
    rng = random.Random(11)
    drawn = []
    for _ in range(3):
        attempt, _ = services.start_attempt(enrolled, quiz, rng=rng)
        order = question_order(attempt)
        assert len(order) == 3 and set(order) <= set(pool_order)
        # Without shuffle_questions the drawn questions keep the quiz's order.
        assert order == sorted(order, key=pool_order.index)
        drawn.append(order)
        services.submit_attempt(attempt.user, attempt.pk)
        assert Attempt.objects.get(pk=attempt.pk).max_points == 3
    assert len({tuple(d) for d in drawn}) > 1


def test_a_draw_larger_than_the_pool_takes_every_question(enrolled, quiz):
    quiz.draw_count = 5
    quiz.save()
    pool = [add_single_choice(quiz) for _ in range(2)]
    attempt, _ = services.start_attempt(enrolled, quiz)
    assert question_order(attempt) == [q.pk for q in pool]


def test_matching_options_are_shuffled_with_ids_that_are_not_pair_ids(enrolled, quiz):
    question = add_matching(
        quiz, pairs=[(f"Prompt {i}", f"Answer {i}") for i in range(6)]
    )  # shuffle_choices is off: prompts keep their order, options never do
    pair_ids = list(question.pairs.values_list("pk", flat=True))
    orders = set()
    for seed in range(4):
        attempt, _ = services.start_attempt(enrolled, quiz, rng=random.Random(seed))
        item = attempt.layout[0]
        assert item["prompts"] == pair_ids
        tokens = [token for token, _pair in item["options"]]
        assert not {str(p) for p in pair_ids} & set(tokens)
        orders.add(tuple(pair for _token, pair in item["options"]))
        services.submit_attempt(attempt.user, attempt.pk)
    assert len(orders) > 1


def test_answers_are_merged_as_they_are_saved(enrolled, quiz):
    questions = add_every_type(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    single, numeric = questions["single_choice"], questions["numeric"]
    services.save_answers(attempt, answers={str(single.pk): right_answer(single, attempt)})
    services.save_answers(attempt, answers={numeric.pk: "3,5"})
    attempt.refresh_from_db()
    assert attempt.answers == {  # choices stored by their ids in the quiz
        str(single.pk): single.choices.get(is_correct=True).pk,
        str(numeric.pk): "3,5",
    }
    assert get_saved_answers(attempt) == {  # and shown by their ids in the attempt
        str(single.pk): right_answer(single, attempt),
        str(numeric.pk): "3,5",
    }
    assert attempt.answers_saved_at is not None
    services.save_answers(attempt, answers={str(numeric.pk): None})  # null clears
    attempt.refresh_from_db()
    assert list(attempt.answers) == [str(single.pk)]


def test_one_bad_answer_saves_nothing(enrolled, quiz):
    questions = add_every_type(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    single, numeric = questions["single_choice"], questions["numeric"]
    services.save_answers(attempt, answers={single.pk: right_answer(single, attempt)})
    before = Attempt.objects.get(pk=attempt.pk)
    with pytest.raises(InvalidAnswers) as error:
        services.save_answers(
            attempt,
            answers={single.pk: wrong_answer(single, attempt), numeric.pk: "three and a half"},
        )
    assert list(error.value.errors) == [str(numeric.pk)]
    after = Attempt.objects.get(pk=attempt.pk)
    assert (after.answers, after.answers_saved_at) == (before.answers, before.answers_saved_at)


def test_answers_to_questions_not_drawn_are_refused(enrolled, quiz):
    quiz.draw_count = 1
    quiz.save()
    pool = [add_single_choice(quiz) for _ in range(3)]
    attempt, _ = services.start_attempt(enrolled, quiz)
    not_drawn = next(q for q in pool if q.pk != attempt.layout[0]["question"])
    with pytest.raises(InvalidAnswers) as error:
        services.save_answers(attempt, answers={not_drawn.pk: "0123456789ab"})  # any choice id
    assert list(error.value.errors) == [str(not_drawn.pk)]


def test_every_type_answered_right_scores_full_marks(enrolled, quiz):
    questions = add_every_type(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    answers = {q.pk: right_answer(q, attempt) for q in questions.values()}
    services.save_answers(attempt, answers=answers)
    attempt = services.submit_attempt(attempt.user, attempt.pk).attempt
    assert attempt.status == AttemptStatus.SUBMITTED
    assert (attempt.points, attempt.max_points, attempt.score) == (6, 6, 100)
    assert attempt.passed is True
    assert all(r["outcome"] == "correct" for r in attempt.results.values())


def test_every_type_answered_wrong_scores_nothing(enrolled, quiz):
    questions = add_every_type(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    answers = {q.pk: wrong_answer(q, attempt) for q in questions.values()}
    attempt = services.submit_attempt(attempt.user, attempt.pk, answers=answers).attempt
    assert (attempt.points, attempt.score, attempt.passed) == (0, 0, False)
    assert {r["outcome"] for r in attempt.results.values()} == {"incorrect"}


@pytest.mark.parametrize("given_with_submission", [True, False])
def test_the_answers_graded_are_the_answers_stored(enrolled, quiz, given_with_submission):
    # Given with the submission, they are stored with its grade; saved before, they stay.
    question, other = add_single_choice(quiz), add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    answers = {question.pk: right_answer(question, attempt), other.pk: right_answer(other, attempt)}
    if given_with_submission:
        services.submit_attempt(enrolled, attempt.pk, answers=answers)
    else:
        services.save_answers(attempt, answers=answers)
        services.submit_attempt(enrolled, attempt.pk)
    attempt.refresh_from_db()
    assert get_saved_answers(attempt) == {str(pk): answer for pk, answer in answers.items()}
    assert attempt.answers_saved_at is not None and attempt.passed is True


def test_a_submission_is_graded_on_the_questions_as_they_are_then(enrolled, quiz):
    # The attempt read the questions when it started; an author then fixes which choice is right.
    question = add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    services.save_answers(attempt, answers={question.pk: right_answer(question, attempt)})
    was_right = question.choices.get(is_correct=True)
    now_right = question.choices.exclude(pk=was_right.pk).first()
    was_right.is_correct, now_right.is_correct = False, True
    was_right.save()
    now_right.save()

    graded = services.submit_attempt(enrolled, attempt.pk).attempt

    assert graded.results[str(question.pk)]["outcome"] == "incorrect"
    assert graded.passed is False


def test_partial_credit_counts_in_the_score(enrolled, quiz):
    multiple = add_multiple_response(quiz, right=2, wrong=2, partial_credit=True, points=2)
    matching = add_matching(quiz, partial_credit=True, points=3)
    add_single_choice(quiz)  # unanswered
    attempt, _ = services.start_attempt(enrolled, quiz)
    right_choices = right_answer(multiple, attempt)
    attempt = services.submit_attempt(
        enrolled,
        attempt.pk,
        answers={
            multiple.pk: right_choices[:1],  # half the right choices: 1 of 2 points
            matching.pk: matching_answer(matching, attempt, wrong=2),  # 1 of 3 prompts right
        },
    ).attempt
    assert attempt.results[str(multiple.pk)]["points"] == "1.00"
    assert attempt.results[str(matching.pk)]["points"] == "1.00"
    assert attempt.results[str(matching.pk)]["outcome"] == "partial"
    assert (attempt.points, attempt.max_points, attempt.score) == (2, 6, Decimal("33.33"))
    assert attempt.passed is False


def test_a_second_submission_is_refused_and_the_grade_kept(enrolled, quiz):
    question = add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    services.submit_attempt(
        attempt.user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )
    with pytest.raises(AlreadySubmitted):
        services.submit_attempt(
            attempt.user, attempt.pk, answers={question.pk: wrong_answer(question, attempt)}
        )
    with pytest.raises(AlreadySubmitted):
        services.save_answers(attempt, answers={question.pk: wrong_answer(question, attempt)})
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)
    assert get_saved_answers(attempt) == {str(question.pk): right_answer(question, attempt)}


def test_the_deadline_is_fixed_when_the_attempt_starts(enrolled, quiz):
    add_single_choice(quiz)
    quiz.time_limit_minutes = 20
    quiz.save()
    now = timezone.now()
    attempt, _ = services.start_attempt(enrolled, quiz, now=now)
    assert attempt.deadline == now + timedelta(minutes=20)
    quiz.time_limit_minutes = 60
    quiz.save()
    resumed, _ = services.start_attempt(enrolled, quiz, now=now + timedelta(minutes=5))
    assert resumed.deadline == now + timedelta(minutes=20)


@pytest.fixture
def timed_attempt(enrolled, quiz):
    """An attempt at a 10-minute quiz with one of its two questions answered right."""
    questions = [add_single_choice(quiz), add_single_choice(quiz)]
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt, _ = services.start_attempt(enrolled, quiz, now=start)
    first = questions[0]
    services.save_answers(
        attempt, answers={first.pk: right_answer(first, attempt)}, now=start + timedelta(minutes=9)
    )
    return attempt, questions


def test_saving_at_the_deadline_still_counts(timed_attempt):
    attempt, questions = timed_attempt
    second = questions[1]
    answer = right_answer(second, attempt)
    services.save_answers(attempt, answers={second.pk: answer}, now=attempt.deadline)
    attempt.refresh_from_db()
    assert get_saved_answers(attempt)[str(second.pk)] == answer


def test_saving_after_the_deadline_is_refused_and_changes_nothing(timed_attempt):
    attempt, questions = timed_attempt
    before = Attempt.objects.get(pk=attempt.pk)
    second = questions[1]
    with pytest.raises(TimeUp):
        services.save_answers(
            attempt,
            answers={second.pk: right_answer(second, attempt)},
            now=attempt.deadline + timedelta(seconds=1),
        )
    after = Attempt.objects.get(pk=attempt.pk)
    assert (after.answers, after.answers_saved_at, after.status) == (
        before.answers,
        before.answers_saved_at,
        AttemptStatus.IN_PROGRESS,
    )


def test_a_late_submission_grades_only_what_was_saved_in_time(timed_attempt):
    attempt, questions = timed_attempt
    second = questions[1]
    late = attempt.deadline + timedelta(minutes=30)
    attempt = services.submit_attempt(
        attempt.user, attempt.pk, answers={second.pk: right_answer(second, attempt)}, now=late
    ).attempt
    assert attempt.status == AttemptStatus.SUBMITTED
    assert (attempt.points, attempt.score) == (1, 50)
    assert str(second.pk) not in attempt.answers
    assert attempt.submitted_at == attempt.deadline


def test_an_expired_attempt_is_graded_when_the_participant_starts_again(
    timed_attempt, enrolled, quiz, monkeypatch
):
    attempt, _questions = timed_attempt
    later = attempt.deadline + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    new, created = services.start_attempt(enrolled, quiz)
    assert created and new.number == 2
    old = Attempt.objects.get(pk=attempt.pk)
    assert (old.status, old.score, old.submitted_at) == (
        AttemptStatus.SUBMITTED,
        50,
        attempt.deadline,
    )
    assert new.deadline == later + timedelta(minutes=10)


def test_an_expired_attempt_is_graded_when_the_quiz_is_opened(timed_attempt, enrolled, quiz):
    attempt, _questions = timed_attempt
    assert services.close_expired_attempt(enrolled, quiz, now=attempt.deadline) is None
    closed = services.close_expired_attempt(
        enrolled, quiz, now=attempt.deadline + timedelta(seconds=1)
    )
    assert closed.pk == attempt.pk and closed.status == AttemptStatus.SUBMITTED
    assert services.close_expired_attempt(enrolled, quiz, now=timezone.now()) is None


def test_the_attempt_limit_holds_when_an_expired_attempt_is_closed_by_starting(
    timed_attempt, enrolled, quiz
):
    attempt, _questions = timed_attempt
    quiz.max_attempts = 1
    quiz.save()
    with pytest.raises(AttemptLimitReached):
        services.start_attempt(enrolled, quiz, now=attempt.deadline + timedelta(minutes=1))
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED


def test_passing_the_last_required_quiz_completes_the_enrolment(participant, quiz):
    question = add_single_choice(quiz)
    make_empty_quiz(module=quiz.module, optional=True)  # optional quizzes are not needed
    enrolment = enrol_in(participant, quiz.course)
    attempt, _ = services.start_attempt(participant, quiz)
    services.submit_attempt(
        attempt.user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_the_course_hears_of_each_result_and_only_a_pass_may_complete_it(
    enrolled, quiz, monkeypatch
):
    calls = []
    real = services.record_quiz_result

    def recording(user_id, course_id, *, passed):
        calls.append((user_id, course_id, passed))
        return real(user_id, course_id, passed=passed)

    monkeypatch.setattr(services, "record_quiz_result", recording)
    question = add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    failed = services.submit_attempt(
        enrolled, attempt.pk, answers={question.pk: wrong_answer(question, attempt)}
    )
    attempt, _ = services.start_attempt(enrolled, quiz)
    passed = services.submit_attempt(
        enrolled, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )
    course = quiz.course_id
    assert calls == [(enrolled.pk, course, False), (enrolled.pk, course, True)]
    assert (failed.completed_course, passed.completed_course) == (False, True)


def test_completion_is_evaluated_in_the_submission_transaction(enrolled, quiz, monkeypatch):
    def broken(user_id, course_id, *, passed):
        raise RuntimeError("completion failed")

    monkeypatch.setattr(services, "record_quiz_result", broken)
    question = add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    with pytest.raises(RuntimeError):
        services.submit_attempt(
            attempt.user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.answers == {}


def test_a_question_deleted_during_the_attempt_is_not_counted(enrolled, quiz):
    kept, deleted = add_single_choice(quiz), add_single_choice(quiz)
    attempt, _ = services.start_attempt(enrolled, quiz)
    services.save_answers(attempt, answers={kept.pk: right_answer(kept, attempt)})
    deleted.delete()
    attempt = services.submit_attempt(attempt.user, attempt.pk).attempt
    assert (attempt.max_points, attempt.score, attempt.passed) == (1, 100, True)


def test_question_types_cover_the_six_of_the_model():
    assert {t.value for t in QuestionType} == {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
    }


def _passed(user, quiz, *, passed=True):
    now = timezone.now()
    number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
    return Attempt.objects.create(user=user, quiz=quiz, number=number, started_at=now,
                                  status=AttemptStatus.SUBMITTED, submitted_at=now,
                                  passed=passed, score=100 if passed else 0)  # fmt: skip


@pytest.mark.parametrize("status", ["active", "completed", "withdrawn"])
def test_a_pass_judges_completion_as_evaluate_completion_does(db, status):
    # record_quiz_result judges in SQL of its own (courses.services.progress): it must agree
    # with evaluate_completion on every state. Others' progress and other courses never count.
    outsider, elsewhere = make_user(), make_empty_quiz()
    for lessons_done, first_passed, second in itertools.product(
        [0, 1, 2], [True, False], ["passed", "failed", "none", "optional"]
    ):
        user = make_user()
        first = make_empty_quiz()
        course = first.course
        other = make_empty_quiz(module=first.module, optional=second == "optional")
        lessons = [Lesson.objects.create(module=first.module, slug=f"l{i}", title=f"L{i}")
                   for i in range(2)]  # fmt: skip
        Lesson.objects.create(module=first.module, slug="extra", title="Extra", optional=True)
        enrolment = enrol_in(user, course, status=status)
        for lesson in lessons[:lessons_done]:
            LessonCompletion.objects.create(user=user, lesson=lesson, completed_at=timezone.now())
        _passed(user, first, passed=first_passed)
        if second in ("passed", "failed"):
            _passed(user, other, passed=second == "passed")
        for lesson in lessons:
            LessonCompletion.objects.create(
                user=outsider, lesson=lesson, completed_at=timezone.now()
            )
        _passed(outsider, other)
        _passed(user, elsewhere)
        with transaction.atomic():
            judged = record_quiz_result(user.pk, course.pk, passed=True)
            transaction.set_rollback(True)
        with transaction.atomic():
            evaluated = evaluate_completion(enrolment)
            transaction.set_rollback(True)
        state = (status, lessons_done, first_passed, second)
        assert judged == evaluated, state
        assert judged == (
            status == "active" and lessons_done == 2 and first_passed and second != "failed"
            and second != "none"
        ), state  # fmt: skip


# --- Concurrency: PostgreSQL only (SQLite ignores select_for_update) -------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_grade_the_attempt_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite ignores select_for_update")
    participant = make_user()
    quiz = make_empty_quiz(pass_mark=50)
    question = add_single_choice(quiz)
    enrol_in(participant, quiz.course)
    attempt, _ = services.start_attempt(participant, quiz)
    services.save_answers(attempt, answers={question.pk: right_answer(question, attempt)})
    results = []
    real = services.record_quiz_result

    def counting(user_id, course_id, *, passed):
        results.append(passed)
        return real(user_id, course_id, passed=passed)

    monkeypatch.setattr(services, "record_quiz_result", counting)
    outcomes = run_together(
        lambda: services.submit_attempt(participant, attempt.pk),
        lambda: services.submit_attempt(participant, attempt.pk),
    )
    graded = [o for o in outcomes if isinstance(o, services.Submission)]
    refused = [o for o in outcomes if isinstance(o, AlreadySubmitted)]
    assert (len(graded), len(refused)) == (1, 1), outcomes
    assert results == [True] and graded[0].completed_course
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == (AttemptStatus.SUBMITTED, 100)


@pytest.mark.django_db(transaction=True)
def test_the_last_lesson_and_the_last_quiz_finished_at_once_complete_the_course_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite ignores select_for_update")
    completions = []

    def record(sender, enrolment_id, **kwargs):
        completions.append(enrolment_id)

    course_completed.connect(record, weak=False)
    try:
        # Several rounds, so that the two threads overlap in more than one order.
        for _ in range(5):
            participant = make_user()
            quiz = make_empty_quiz(pass_mark=50)
            question = add_single_choice(quiz)
            lesson = Lesson.objects.create(module=quiz.module, slug="last", title="Last")
            enrolment = enrol_in(participant, quiz.course)
            attempt, _ = services.start_attempt(participant, quiz)
            services.save_answers(attempt, answers={question.pk: right_answer(question, attempt)})
            completions.clear()

            outcomes = run_together(
                partial(services.submit_attempt, participant, attempt.pk),
                partial(record_lesson_completion, participant, lesson),
            )

            submitted, lesson_done = outcomes
            assert isinstance(submitted, services.Submission), outcomes
            assert isinstance(lesson_done, LessonCompletionOutcome), outcomes
            # Exactly one of the two says it completed the course.
            assert [submitted.completed_course, lesson_done.course_completed].count(True) == 1
            enrolment.refresh_from_db()
            assert enrolment.status == EnrolmentStatus.COMPLETED
            assert completions == [enrolment.pk]
    finally:
        course_completed.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_make_one_attempt():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions")
    participant = make_user()
    quiz = make_empty_quiz()
    add_single_choice(quiz)
    enrol_in(participant, quiz.course)
    outcomes = run_together(
        lambda: services.start_attempt(participant, quiz),
        lambda: services.start_attempt(participant, quiz),
    )
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({attempt.pk for attempt, _created in outcomes}) == 1
    assert sorted(created for _attempt, created in outcomes) == [False, True]
    assert Attempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_submission_never_changes_a_submitted_attempt():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite ignores select_for_update")
    participant = make_user()
    quiz = make_empty_quiz()
    question = add_single_choice(quiz)
    enrol_in(participant, quiz.course)
    attempt, _ = services.start_attempt(participant, quiz)
    right, wrong = right_answer(question, attempt), wrong_answer(question, attempt)
    services.save_answers(attempt, answers={question.pk: right})
    outcomes = run_together(
        lambda: services.submit_attempt(participant, attempt.pk),
        lambda: services.save_answers(attempt, answers={question.pk: wrong}),
    )
    attempt.refresh_from_db()
    # Answers are stored by choice id (participants send the attempt's opaque ids).
    right_choice = question.choices.get(is_correct=True).pk
    wrong_choice = question.choices.filter(is_correct=False).first().pk
    if isinstance(outcomes[1], AlreadySubmitted):  # the submission went first
        assert attempt.answers == {str(question.pk): right_choice} and attempt.score == 100
    else:  # the save went first and was graded
        assert attempt.answers == {str(question.pk): wrong_choice} and attempt.score == 0
    assert attempt.status == AttemptStatus.SUBMITTED


def test_submitting_an_attempt_notes_the_participants_activity(db):
    user = make_user()
    quiz = make_empty_quiz()
    add_single_choice(quiz)
    enrolment = enrol_in(user, quiz.course)
    attempt, _created = services.start_attempt(user, quiz)
    assert enrolment.last_activity_at is None

    services.submit_attempt(attempt.user, attempt.pk)

    enrolment.refresh_from_db()
    assert enrolment.last_activity_at is not None


@pytest.mark.parametrize("already_completed", [False, True])
def test_a_pass_notes_the_activity_of_a_current_enrolment(db, already_completed):
    user = make_user()
    quiz = make_empty_quiz(pass_mark=50)
    question = add_single_choice(quiz)
    enrolment = enrol_in(user, quiz.course)
    attempt, _created = services.start_attempt(user, quiz)
    if already_completed:
        enrolment.complete()
    completed_at = enrolment.completed_at
    before = timezone.now()

    submission = services.submit_attempt(
        user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )

    enrolment.refresh_from_db()
    assert submission.attempt.passed
    assert enrolment.last_activity_at >= before
    assert enrolment.status == EnrolmentStatus.COMPLETED
    # The quiz is the course's only item: the pass completes an active enrolment, once.
    assert submission.completed_course is not already_completed
    if already_completed:
        assert enrolment.completed_at == completed_at


def test_a_pass_after_withdrawing_notes_no_activity_and_completes_nothing(db):
    user = make_user()
    quiz = make_empty_quiz(pass_mark=50)
    question = add_single_choice(quiz)
    enrolment = enrol_in(user, quiz.course)
    attempt, _created = services.start_attempt(user, quiz)
    enrolment.withdraw()
    enrolment.save()

    submission = services.submit_attempt(
        user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
    )

    enrolment.refresh_from_db()
    assert submission.attempt.passed and not submission.completed_course
    assert enrolment.last_activity_at is None
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
