"""The quiz API: /api/v1/quizzes/{id}/, .../attempts/, /api/v1/attempts/{id}/ and submit/."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework import serializers

from accounts.services import issue_api_token
from courses.models import EnrolmentStatus
from quizzes import selectors, services
from quizzes.api import AttemptSerializer, QuestionReviewSerializer
from quizzes.models import Attempt, AttemptStatus, Choice, QuestionType, ReviewPolicy
from tests.factories import make_user

from .factories import (
    add_every_type,
    add_matching,
    add_multiple_response,
    add_numeric,
    add_short_answer,
    add_single_choice,
    add_true_false,
    enrol_in,
    make_empty_quiz,
    make_module,
    matching_answer,
    right_answer,
    shown_choice,
    wrong_answer,
)


def quiz_url(quiz):
    return f"/api/v1/quizzes/{quiz.pk}/"


def attempts_url(quiz):
    return f"/api/v1/quizzes/{quiz.pk}/attempts/"


def attempt_url(attempt_id):
    return f"/api/v1/attempts/{attempt_id}/"


def submit_url(attempt_id):
    return f"/api/v1/attempts/{attempt_id}/submit/"


@pytest.fixture
def quiz(db):
    quiz = make_empty_quiz(pass_mark=60, max_attempts=3, description="Five **questions**.")
    add_every_type(quiz)
    return quiz


@pytest.fixture
def client(api_client, participant, quiz):
    """An API client signed in as a participant enrolled in the quiz's course."""
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    return api_client


def start(client, quiz):
    response = client.post(attempts_url(quiz), format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def _drawn(attempt):
    return attempt.quiz.questions.filter(pk__in=[i["question"] for i in attempt.layout])


def right_answers(attempt):
    return {str(q.pk): right_answer(q, attempt) for q in _drawn(attempt)}


def wrong_answers(attempt):
    return {str(q.pk): wrong_answer(q, attempt) for q in _drawn(attempt)}


# --- The quiz summary ---------------------------------------------------------------------------


def test_quiz_summary_gives_settings_and_own_record_without_questions(client, quiz):
    response = client.get(quiz_url(quiz))
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "id": quiz.pk,
        "course": quiz.course_id,
        "module": quiz.module_id,
        "title": quiz.title,
        "description_html": "<p>Five <strong>questions</strong>.</p>",
        "pass_mark": 60,
        "max_attempts": 3,
        "time_limit_minutes": None,
        "review_policy": "after_each_attempt",
        "questions_per_attempt": 6,
        "attempts_used": 0,
        "attempts_remaining": 3,
        "best_score": None,
        "passed": False,
        "in_progress_attempt": None,
        "enrolled": True,
        "can_start": True,
    }


def test_quiz_summary_follows_the_participants_attempts(client, quiz):
    quiz.draw_count = 4
    quiz.save()
    first = start(client, quiz)
    summary = client.get(quiz_url(quiz)).json()
    assert (summary["in_progress_attempt"], summary["attempts_used"]) == (first["id"], 1)
    assert summary["questions_per_attempt"] == 4
    client.post(submit_url(first["id"]), format="json")
    second = start(client, quiz)
    attempt = Attempt.objects.get(pk=second["id"])
    client.post(submit_url(second["id"]), {"answers": right_answers(attempt)}, format="json")
    summary = client.get(quiz_url(quiz)).json()
    assert summary["attempts_used"] == 2
    assert summary["attempts_remaining"] == 1
    assert summary["in_progress_attempt"] is None
    assert summary["passed"] is True
    assert summary["best_score"] == "100.00"


# --- Starting and resuming ----------------------------------------------------------------------


def test_start_returns_the_questions_in_layout_order_without_answers(client, quiz):
    response = client.post(attempts_url(quiz), format="json")
    assert response.status_code == 201
    data = response.json()
    attempt = Attempt.objects.get(pk=data["id"])
    assert data["status"] == "in_progress" and data["number"] == 1
    assert data["answers"] == {} and data["deadline"] is None
    assert data["score"] is None and data["review"] is None
    assert [q["id"] for q in data["questions"]] == [i["question"] for i in attempt.layout]
    by_type = {q["type"]: q for q in data["questions"]}
    assert set(by_type) == {t.value for t in QuestionType}
    for question, item in zip(data["questions"], attempt.layout, strict=True):
        assert set(question) == {"id", "type", "prompt_html", "points", "choices", "prompts",
                                 "options"}  # fmt: skip
        assert [c["id"] for c in question["choices"]] == [o for o, _c in item["choices"]]
        for choice in question["choices"]:
            assert set(choice) == {"id", "text"}
    assert [c["text"] for c in by_type["true_false"]["choices"]] == ["True", "False"]
    matching = by_type["matching"]
    assert [p["text"] for p in matching["prompts"]] == ["ILO C29", "ILO C138", "ILO C155"]
    assert sorted(o["text"] for o in matching["options"]) == [
        "Child labour",
        "Forced labour",
        "Safety",
    ]
    pair_ids = {str(p["id"]) for p in matching["prompts"]}
    assert not pair_ids & {o["id"] for o in matching["options"]}
    assert by_type["numeric"]["choices"] == [] and by_type["numeric"]["options"] == []


def test_starting_again_resumes_with_the_same_order_and_saved_answers(client, quiz):
    quiz.shuffle_questions = quiz.shuffle_choices = True
    quiz.save()
    first = start(client, quiz)
    attempt = Attempt.objects.get(pk=first["id"])
    answers = right_answers(attempt)
    saved = client.patch(attempt_url(first["id"]), {"answers": answers}, format="json")
    assert saved.status_code == 200
    response = client.post(attempts_url(quiz), format="json")
    assert response.status_code == 200
    resumed = response.json()
    assert resumed["id"] == first["id"]
    assert resumed["questions"] == first["questions"]
    assert resumed["answers"] == answers
    reloaded = client.get(attempt_url(first["id"])).json()
    assert reloaded["questions"] == first["questions"]
    assert reloaded["answers"] == answers


def test_starting_past_the_attempt_limit_is_a_409(client, quiz):
    quiz.max_attempts = 1
    quiz.save()
    attempt = start(client, quiz)
    client.post(submit_url(attempt["id"]), format="json")
    response = client.post(attempts_url(quiz), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "attempt_limit_reached"
    assert Attempt.objects.count() == 1


def test_a_timed_attempt_gives_its_deadline_and_the_seconds_left(client, quiz):
    quiz.time_limit_minutes = 15
    quiz.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    assert attempt.deadline == attempt.started_at + timedelta(minutes=15)
    assert 14 * 60 <= data["seconds_remaining"] <= 15 * 60


def test_attempt_list_gives_the_participants_own_attempts_latest_first(client, quiz):
    mine = start(client, quiz)
    client.post(submit_url(mine["id"]), format="json")
    second = start(client, quiz)
    other = make_user()
    enrol_in(other, quiz.course)
    other_attempt = Attempt.objects.create(
        user=other, quiz=quiz, number=1, started_at=timezone.now()
    )
    response = client.get(attempts_url(quiz))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [a["id"] for a in data["results"]] == [second["id"], mine["id"]]
    assert data["results"][1]["status"] == "submitted"
    assert data["results"][1]["score"] == "0.00" and data["results"][1]["passed"] is False
    assert other_attempt.pk not in [a["id"] for a in data["results"]]


# --- Saving answers -----------------------------------------------------------------------------


def test_saving_merges_answers_by_question(client, quiz):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    answers = right_answers(attempt)
    keys = list(answers)
    first = {k: answers[k] for k in keys[:3]}
    rest = {k: answers[k] for k in keys[3:]}
    response = client.patch(attempt_url(attempt.pk), {"answers": first}, format="json")
    assert response.status_code == 200
    assert response.json()["answers"] == first
    response = client.patch(attempt_url(attempt.pk), {"answers": rest}, format="json")
    assert response.json()["answers"] == answers
    assert response.json()["answers_saved_at"]
    assert client.get(attempt_url(attempt.pk)).json()["answers"] == answers


def test_answers_in_every_format_are_accepted(client, quiz):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    by_type = {q.type: q for q in quiz.questions.all()}
    numeric = by_type["numeric"]
    for value in ("3,5", 3.5, " 3.5 ", "+3.50"):
        response = client.patch(
            attempt_url(attempt.pk), {"answers": {str(numeric.pk): value}}, format="json"
        )
        assert response.status_code == 200, (value, response.content)
    single = by_type["single_choice"]
    choice = single.choices.first()
    response = client.patch(
        attempt_url(attempt.pk),
        {"answers": {str(single.pk): f" {shown_choice(attempt, choice)} "}},
        format="json",
    )
    assert response.json()["answers"][str(single.pk)] == shown_choice(attempt, choice)
    attempt.refresh_from_db()
    assert attempt.answers[str(single.pk)] == choice.pk  # stored by its id in the quiz


def _bad_values(quiz, attempt):
    """(question, value) pairs that do not fit, for every type."""
    q = {question.type: question for question in quiz.questions.all()}
    # A choice of another question, as shown in the attempt.
    other_choice = shown_choice(attempt, q["true_false"].choices.first())
    own_choice = q["single_choice"].choices.first()
    matching = q["matching"]
    pair = str(matching.pairs.first().pk)
    option = next(i for i in attempt.layout if i["question"] == matching.pk)["options"][0][0]
    return [
        (q["single_choice"], [shown_choice(attempt, own_choice)]),
        (q["single_choice"], own_choice.pk),  # its id in the quiz, not as the attempt shows it
        (q["single_choice"], str(own_choice.pk)),
        (q["single_choice"], "the first one"),
        (q["single_choice"], other_choice),
        (q["single_choice"], 10**12),
        (q["single_choice"], {"id": 1}),
        (q["true_false"], True),
        (q["true_false"], "true"),
        (q["multiple_response"], shown_choice(attempt, q["multiple_response"].choices.first())),
        (q["multiple_response"], [q["multiple_response"].choices.first().pk]),
        (q["multiple_response"], "1,2"),
        (q["multiple_response"], [other_choice]),
        (q["short_answer"], 42),
        (q["short_answer"], ["joint procurement"]),
        (q["short_answer"], "x" * 1000),
        (q["numeric"], "three and a half"),
        (q["numeric"], [3.5]),
        (q["numeric"], False),
        (q["numeric"], "1e9"),
        (matching, [option]),
        (matching, "ILO C29=Forced labour"),
        (matching, {"999999": option}),
        (matching, {pair: "not-an-option"}),
        (matching, {pair: int(pair)}),
        (matching, {pair: [option]}),
    ]


def test_bad_answers_are_400_per_question_and_change_nothing(client, quiz):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    single = quiz.questions.get(type="single_choice")
    saved = {str(single.pk): right_answer(single, attempt)}
    client.patch(attempt_url(attempt.pk), {"answers": saved}, format="json")
    before = Attempt.objects.get(pk=attempt.pk)
    for question, value in _bad_values(quiz, attempt):
        body = {"answers": {**saved, str(question.pk): value}}
        for url, method in ((attempt_url(attempt.pk), client.patch),
                            (submit_url(attempt.pk), client.post)):  # fmt: skip
            response = method(url, body, format="json")
            assert response.status_code == 400, (question.type, value, response.content)
            payload = response.json()
            assert payload["code"] == "invalid"
            assert list(payload["detail"]["answers"]) == [str(question.pk)], payload
            assert isinstance(payload["detail"]["answers"][str(question.pk)][0], str)
    after = Attempt.objects.get(pk=attempt.pk)
    assert (after.answers, after.answers_saved_at, after.status) == (
        before.answers,
        before.answers_saved_at,
        AttemptStatus.IN_PROGRESS,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"999999": 1}}, "999999"),
        ({"answers": {"not-a-question": 1}}, "not-a-question"),
        ({"answers": [1, 2]}, None),
        ({"answers": "all of them"}, None),
        ({}, None),
    ],
)
def test_answers_that_are_not_per_question_of_the_attempt_are_400(client, quiz, body, field):
    data = start(client, quiz)
    response = client.patch(attempt_url(data["id"]), body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert "answers" in payload["detail"]
    if field:
        assert list(payload["detail"]["answers"]) == [field]
    assert Attempt.objects.get(pk=data["id"]).answers == {}


def test_answers_must_be_sent_as_json(client, quiz):
    data = start(client, quiz)
    response = client.patch(attempt_url(data["id"]), {"answers": "1"})  # multipart form
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_saving_after_the_deadline_is_refused_with_time_up(client, quiz):
    quiz.time_limit_minutes = 5
    quiz.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = client.patch(attempt_url(attempt.pk), {"answers": right_answers(attempt)},
                            format="json")  # fmt: skip
    assert response.status_code == 409
    assert response.json()["code"] == "time_up"
    after = Attempt.objects.get(pk=attempt.pk)
    assert (after.answers, after.status) == ({}, AttemptStatus.IN_PROGRESS)


@pytest.mark.parametrize("opened", ["quiz", "attempt", "attempts"])
def test_an_expired_attempt_is_graded_when_the_participant_comes_back(client, quiz, opened):
    quiz.time_limit_minutes = 5
    quiz.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    client.patch(attempt_url(attempt.pk), {"answers": right_answers(attempt)}, format="json")
    deadline = timezone.now() - timedelta(minutes=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
    url = {"quiz": quiz_url(quiz), "attempt": attempt_url(attempt.pk),
           "attempts": attempts_url(quiz)}[opened]  # fmt: skip
    assert client.get(url).status_code == 200
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.submitted_at) == (
        AttemptStatus.SUBMITTED,
        100,
        deadline,
    )


def test_an_expired_attempt_can_still_be_submitted(client, quiz):
    quiz.time_limit_minutes = 5
    quiz.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = client.post(submit_url(attempt.pk), {"answers": right_answers(attempt)},
                           format="json")  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["score"]) == ("submitted", "0.00")


# --- Submitting and review ----------------------------------------------------------------------


def test_submit_grades_and_gives_the_review_after_each_attempt(client, quiz):
    question = quiz.questions.get(type="single_choice")
    question.feedback_correct = "Yes: *protect*, respect, remedy."
    question.save()
    choice = question.choices.get(is_correct=True)
    choice.feedback = "Right choice."
    choice.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    answers = right_answers(attempt)
    answers[str(quiz.questions.get(type="numeric").pk)] = "99"
    response = client.post(submit_url(attempt.pk), {"answers": answers}, format="json")
    assert response.status_code == 200
    result = response.json()
    assert (result["status"], result["points"], result["max_points"]) == ("submitted", "5.00", 6)
    assert (result["score"], result["passed"]) == ("83.33", True)
    assert result["questions"] is None and result["answers"] is None
    review = {q["type"]: q for q in result["review"]}
    single = review["single_choice"]
    assert (single["correct"], single["outcome"], single["points_awarded"]) == (
        True,
        "correct",
        "1.00",
    )
    assert single["feedback_html"] == "<p>Yes: <em>protect</em>, respect, remedy.</p>"
    picked = next(c for c in single["choices"] if c["selected"])
    assert (picked["id"], picked["correct"], picked["feedback"]) == (
        shown_choice(attempt, choice),
        True,
        "Right choice.",
    )
    assert single["answer"] == picked["id"]
    numeric = review["numeric"]
    assert (numeric["correct"], numeric["answer"], numeric["numeric_answer"]) == (
        False,
        "99",
        "3.500000",
    )
    assert review["short_answer"]["accepted_answers"] == ["joint procurement"]
    matching = review["matching"]
    assert all(p["correct"] and p["chosen_text"] == p["correct_answer"]
               for p in matching["prompts"])  # fmt: skip
    assert client.get(attempt_url(attempt.pk)).json() == result


def test_short_answers_are_graded_ignoring_punctuation_at_either_end(client, quiz):
    other = make_empty_quiz(module=quiz.module, pass_mark=50)
    buying = add_short_answer(other, accepted=["buying"])
    article = add_short_answer(other, accepted=["art. 18(2)"])
    unsure = add_short_answer(other, accepted=["buying"])
    attempt = start(client, other)
    answers = {str(buying.pk): "buying.", str(article.pk): "« art 18(2) »",
               str(unsure.pk): "¿?"}  # fmt: skip
    result = client.post(submit_url(attempt["id"]), {"answers": answers}, format="json").json()
    assert (result["points"], result["max_points"], result["passed"]) == ("1.00", 3, False)
    review = {q["id"]: q for q in result["review"]}
    assert (review[buying.pk]["outcome"], review[buying.pk]["answer"]) == ("correct", "buying.")
    assert review[article.pk]["outcome"] == "incorrect"  # inner punctuation still counts
    assert (review[unsure.pk]["outcome"], review[unsure.pk]["answer"]) == ("unanswered", "¿?")


def test_a_second_submit_is_a_409_and_keeps_the_first_grade(client, quiz):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    first = client.post(submit_url(attempt.pk), {"answers": right_answers(attempt)},
                        format="json")  # fmt: skip
    assert first.status_code == 200
    again = client.post(submit_url(attempt.pk), {"answers": wrong_answers(attempt)},
                        format="json")  # fmt: skip
    assert again.status_code == 409
    assert again.json() == {"code": "already_submitted", "detail": again.json()["detail"]}
    saving = client.patch(attempt_url(attempt.pk), {"answers": {}}, format="json")
    assert saving.status_code == 409 and saving.json()["code"] == "already_submitted"
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)


def test_the_review_is_written_out_as_its_fields_declare(client, quiz):
    # QuestionReviewSerializer writes a review out by hand, for speed (quizzes/api.py): DRF's
    # own walk of the fields it declares must give the same, for every type and outcome.
    add_every_type(quiz)
    quiz.questions.filter(type="numeric").update(tolerance="0.25")
    quiz.questions.filter(type="matching").update(partial_credit=True)
    Choice.objects.filter(question__quiz=quiz).update(feedback="Think of remedy.")
    attempt = Attempt.objects.get(pk=start(client, quiz)["id"])
    questions = list(_drawn(attempt).order_by("order"))
    answers = {str(q.pk): right_answer(q, attempt) for q in questions[:6]}
    answers.update({str(q.pk): wrong_answer(q, attempt) for q in questions[6:11]})
    matching = questions[5]
    answers[str(matching.pk)] = dict(list(matching_answer(matching, attempt, wrong=1).items())[:2])
    client.post(submit_url(attempt.pk), {"answers": answers}, format="json")
    attempt = Attempt.objects.select_related("quiz").get(pk=attempt.pk)
    reviews = selectors.get_attempt_review(attempt)
    serializer = QuestionReviewSerializer()

    written = [serializer.to_representation(review) for review in reviews]

    assert written == [
        serializers.Serializer.to_representation(serializer, review) for review in reviews
    ]
    assert {r["outcome"] for r in written} == {"correct", "partial", "incorrect", "unanswered"}


@pytest.mark.parametrize("policy", [ReviewPolicy.AFTER_EACH_ATTEMPT, ReviewPolicy.NEVER])
def test_an_attempt_is_written_out_as_its_fields_declare(client, quiz, policy):
    # AttemptSerializer also writes an attempt out by hand: in progress (its questions and
    # saved answers, a deadline), then submitted (its grade, with or without its review).
    add_every_type(quiz)
    quiz.time_limit_minutes, quiz.review_policy = 30, policy
    quiz.save()
    attempt = Attempt.objects.get(pk=start(client, quiz)["id"])
    first = next(iter(_drawn(attempt)))
    client.patch(
        attempt_url(attempt.pk),
        {"answers": {str(first.pk): right_answer(first, attempt)}},
        format="json",
    )
    serializer = AttemptSerializer()

    def both_ways():
        detail = selectors.get_attempt_detail(
            Attempt.objects.select_related("quiz").get(pk=attempt.pk)
        )
        return serializer.to_representation(detail), serializers.Serializer.to_representation(
            serializer, detail
        )

    written, walked = both_ways()
    assert written == walked
    assert written["questions"] and written["answers"] and written["deadline"]
    client.post(submit_url(attempt.pk), format="json")
    written, walked = both_ways()
    assert written == walked
    assert written["score"] is not None and written["submitted_at"] is not None
    assert (written["review"] is None) == (policy == ReviewPolicy.NEVER)


def test_a_late_submission_of_an_attempt_closed_at_its_deadline_gives_its_result(client, quiz):
    quiz.time_limit_minutes = 5
    quiz.save()
    attempt = Attempt.objects.get(pk=start(client, quiz)["id"])
    client.patch(attempt_url(attempt.pk), {"answers": right_answers(attempt)}, format="json")
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    closed = client.get(attempt_url(attempt.pk)).json()  # graded on coming back
    # The participant's page submits when its timer runs out: the same submission, replayed.
    late = client.post(submit_url(attempt.pk), {"answers": wrong_answers(attempt)}, format="json")
    assert late.status_code == 200
    assert late.json() == closed
    assert (late.json()["score"], late.json()["submitted_at"]) == ("100.00", closed["submitted_at"])


def test_after_passing_policy_shows_only_the_score_until_the_participant_passes(client, quiz):
    quiz.review_policy = ReviewPolicy.AFTER_PASSING
    quiz.save()
    failed = start(client, quiz)
    attempt = Attempt.objects.get(pk=failed["id"])
    result = client.post(submit_url(attempt.pk), {"answers": wrong_answers(attempt)},
                         format="json").json()  # fmt: skip
    assert (result["passed"], result["review"]) == (False, None)
    assert client.get(attempt_url(attempt.pk)).json()["review"] is None
    passed = start(client, quiz)
    second = Attempt.objects.get(pk=passed["id"])
    result = client.post(submit_url(second.pk), {"answers": right_answers(second)},
                         format="json").json()  # fmt: skip
    assert result["passed"] is True and len(result["review"]) == 6
    # Once passed, earlier attempts can be reviewed too.
    assert len(client.get(attempt_url(attempt.pk)).json()["review"]) == 6


def test_never_policy_shows_only_the_score(client, quiz):
    quiz.review_policy = ReviewPolicy.NEVER
    quiz.save()
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    result = client.post(submit_url(attempt.pk), {"answers": right_answers(attempt)},
                         format="json").json()  # fmt: skip
    assert (result["score"], result["passed"], result["review"]) == ("100.00", True, None)


# --- Nothing that tells the answers before submission -------------------------------------------


def _quiz_full_of_canaries(policy):
    quiz = make_empty_quiz(review_policy=policy, pass_mark=100)
    canary = {"feedback_correct": "CANARY-FC", "feedback_incorrect": "CANARY-FI"}
    single = add_single_choice(
        quiz,
        choices=[("Alpha", True, "CANARY-CHOICE-RIGHT"), ("Beta", False, "CANARY-CHOICE-WRONG")],
        **canary,
    )
    add_multiple_response(quiz, partial_credit=True, **canary)
    for choice in Choice.objects.filter(question__quiz=quiz):
        choice.feedback = choice.feedback or f"CANARY-CHOICE-{choice.pk}"
        choice.save()
    add_true_false(quiz, answer=False, **canary)
    add_short_answer(quiz, accepted=["CANARY-ACCEPTED-ANSWER"], **canary)
    add_numeric(quiz, answer="987654.321", tolerance="0.000777", **canary)
    add_matching(quiz, **canary)
    return quiz, single


def _assert_no_answers_in(body: str, quiz):
    assert "CANARY" not in body
    assert "987654.321" not in body and "0.000777" not in body
    for word in ('"correct"', '"is_correct"', '"feedback', '"accepted_answers"',
                 '"numeric_answer"', '"tolerance"', '"outcome"', '"layout"',
                 '"answer"', '"key"'):  # fmt: skip
        assert word not in body, word
    data = json.loads(body) if body.startswith("{") else {}
    for question in data.get("questions") or []:
        pair_ids = {str(p["id"]) for p in question["prompts"]}
        for option in question["options"]:
            assert set(option) == {"id", "text"} and option["id"] not in pair_ids


@pytest.mark.parametrize("policy", [ReviewPolicy.NEVER, ReviewPolicy.AFTER_PASSING])
def test_no_answer_or_feedback_reaches_the_participant_before_or_without_review(
    api_client, participant, policy
):
    quiz, single = _quiz_full_of_canaries(policy)
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    bodies = [api_client.get(quiz_url(quiz)).content.decode()]
    started = api_client.post(attempts_url(quiz), format="json")
    bodies.append(started.content.decode())
    attempt_id = started.json()["id"]
    bodies.append(api_client.post(attempts_url(quiz), format="json").content.decode())
    bodies.append(api_client.get(attempt_url(attempt_id)).content.decode())
    saved = api_client.patch(
        attempt_url(attempt_id),
        {"answers": {str(single.pk): single.choices.get(is_correct=False).pk}},
        format="json",
    )
    bodies.append(saved.content.decode())
    bad = api_client.patch(attempt_url(attempt_id), {"answers": {str(single.pk): [1]}},
                           format="json")  # fmt: skip
    bodies.append(bad.content.decode())
    bodies.append(api_client.get(attempts_url(quiz)).content.decode())
    bodies.append(api_client.post(submit_url(attempt_id), format="json").content.decode())
    bodies.append(api_client.get(attempt_url(attempt_id)).content.decode())  # failed: no review
    bodies.append(api_client.get(quiz_url(quiz)).content.decode())
    for body in bodies:
        _assert_no_answers_in(body, quiz)


def test_canaries_do_show_in_a_review_the_policy_allows(api_client, participant):
    # The positive control: the canary check above would see them if they leaked.
    quiz, _single = _quiz_full_of_canaries(ReviewPolicy.AFTER_EACH_ATTEMPT)
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    attempt_id = api_client.post(attempts_url(quiz), format="json").json()["id"]
    body = api_client.post(submit_url(attempt_id), format="json").content.decode()
    for canary in ("CANARY-FI", "CANARY-CHOICE-RIGHT", "CANARY-ACCEPTED-ANSWER", "987654.321"):
        assert canary in body


# --- Who may do what ----------------------------------------------------------------------------


def _endpoints(quiz, attempt_id):
    return [
        ("get", quiz_url(quiz)),
        ("get", attempts_url(quiz)),
        ("post", attempts_url(quiz)),
        ("get", attempt_url(attempt_id)),
        ("patch", attempt_url(attempt_id)),
        ("post", submit_url(attempt_id)),
    ]


def test_anonymous_requests_are_refused_with_the_error_shape(api_client, participant, quiz):
    attempt = Attempt.objects.create(user=participant, quiz=quiz, number=1,
                                     started_at=timezone.now())  # fmt: skip
    for method, url in _endpoints(quiz, attempt.pk):
        response = getattr(api_client, method)(url, {"answers": {}}, format="json")
        assert response.status_code in (401, 403), (method, url)
        assert response.json()["code"] == "not_authenticated"
        assert set(response.json()) == {"code", "detail"}
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.IN_PROGRESS


def test_a_participant_not_enrolled_gets_not_enrolled(api_client, participant, quiz):
    api_client.force_authenticate(participant)
    for method in ("get", "post"):
        url = quiz_url(quiz) if method == "get" else attempts_url(quiz)
        response = getattr(api_client, method)(url, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_enrolled"
    assert not Attempt.objects.exists()


def test_a_withdrawn_participant_gets_not_enrolled(api_client, participant, quiz):
    enrol_in(participant, quiz.course, status=EnrolmentStatus.WITHDRAWN)
    api_client.force_authenticate(participant)
    response = api_client.post(attempts_url(quiz), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_enrolled")


@pytest.mark.parametrize("role", ["facilitator", "admin_user"])
def test_facilitators_and_admins_read_the_quiz_but_take_it_only_if_enrolled(
    api_client, request, quiz, role
):
    user = request.getfixturevalue(role)
    api_client.force_authenticate(user)
    summary = api_client.get(quiz_url(quiz))
    assert summary.status_code == 200
    assert (summary.json()["enrolled"], summary.json()["can_start"]) == (False, False)
    response = api_client.post(attempts_url(quiz), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_enrolled")
    enrol_in(user, quiz.course)
    assert api_client.post(attempts_url(quiz), format="json").status_code == 201


def test_a_quiz_of_an_unpublished_course_is_404_except_for_admins(
    api_client, participant, admin_user
):
    quiz = make_empty_quiz(module=make_module(published=False))
    add_single_choice(quiz)
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    assert api_client.get(quiz_url(quiz)).status_code == 404
    assert api_client.post(attempts_url(quiz), format="json").status_code == 404
    api_client.force_authenticate(admin_user)
    assert api_client.get(quiz_url(quiz)).status_code == 200


def test_an_unknown_quiz_is_404(client):
    response = client.get("/api/v1/quizzes/999999/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post("/api/v1/quizzes/999999/attempts/", format="json").status_code == 404


@pytest.mark.parametrize("role", ["other_participant", "admin_user", "facilitator"])
def test_someone_elses_attempt_is_404_on_every_attempt_endpoint(
    client, api_client, request, quiz, role
):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    answers = right_answers(attempt)
    intruder = request.getfixturevalue(role)
    enrol_in(intruder, quiz.course)
    api_client.force_authenticate(intruder)
    for method, url in _endpoints(quiz, attempt.pk)[3:]:
        response = getattr(api_client, method)(url, {"answers": answers}, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json()["code"] == "not_found"
    missing = api_client.get(attempt_url(999999))
    assert missing.json() == response.json()  # the same answer as for one that does not exist
    after = Attempt.objects.get(pk=attempt.pk)
    assert (after.status, after.answers) == (AttemptStatus.IN_PROGRESS, {})


# --- Query counts -------------------------------------------------------------------------------


def _quiz_with(questions: int):
    quiz = make_empty_quiz(review_policy=ReviewPolicy.AFTER_EACH_ATTEMPT, time_limit_minutes=30)
    adders = [add_single_choice, add_multiple_response, add_true_false, add_short_answer,
              add_numeric, add_matching]  # fmt: skip
    for i in range(questions):
        adders[i % len(adders)](quiz)
    return quiz


@pytest.mark.parametrize("size", [3, 30])
def test_quiz_and_attempt_endpoints_make_a_bounded_number_of_queries(
    api_client, participant, django_assert_max_num_queries, size
):
    quiz = _quiz_with(size)
    enrol_in(participant, quiz.course)
    api_client.force_authenticate(participant)
    with django_assert_max_num_queries(4):
        assert api_client.get(quiz_url(quiz)).status_code == 200
    # Starting reads the pool (1 query) to draw, then the drawn questions to show them (1),
    # and notes the month of activity (1).
    with django_assert_max_num_queries(12):
        started = api_client.post(attempts_url(quiz), format="json")
        assert started.status_code == 201
    attempt = Attempt.objects.get(pk=started.json()["id"])
    with django_assert_max_num_queries(4):
        assert api_client.post(attempts_url(quiz), format="json").status_code == 200
    with django_assert_max_num_queries(2):
        assert api_client.get(attempt_url(attempt.pk)).status_code == 200
    answers = right_answers(attempt)
    with django_assert_max_num_queries(6):
        saved = api_client.patch(attempt_url(attempt.pk), {"answers": answers}, format="json")
        assert saved.status_code == 200
    with django_assert_max_num_queries(4):
        assert api_client.get(attempts_url(quiz)).status_code == 200
    # The submission is its own test (below); this one completes the course: the enrolment is
    # read, then moved by Enrolment.complete, and the LTI grade links of the course are looked
    # for (none here).
    with django_assert_max_num_queries(10):
        assert api_client.post(submit_url(attempt.pk), format="json").status_code == 200
    with django_assert_max_num_queries(2):
        review = api_client.get(attempt_url(attempt.pk))
        assert len(review.json()["review"]) == size


@pytest.mark.parametrize("size", [10, 30])
def test_a_submission_reads_once_in_eight_queries_whatever_the_number_of_questions(
    api_client, participant, django_assert_max_num_queries, size
):
    # As bench/run.py quiz-submit measures it: token authentication (1 query: the token with
    # its user; the bench's reference write pays the same), then in one
    # transaction (2 statements to open and close it) the attempt, locked (1), its questions
    # with their choices and pairs (1, unless this process already read this version of them:
    # selectors.get_quiz_questions), the grade stored (1), the participant's activity noted,
    # which locks their enrolment (1), and the completion check after a pass (1); whether the
    # participant has LTI grade links for the quiz is read with the attempt. The review is built
    # from what was read. Another required quiz is left, so the course is not completed (that
    # would be one more write).
    quiz = _quiz_with(size)
    make_empty_quiz(module=quiz.module)
    people = [participant, make_user(email="second@example.org")]
    attempts = []
    for person in people:
        enrol_in(person, quiz.course)
        attempt, _created = services.start_attempt(person, quiz)
        services.save_answers(attempt, answers=right_answers(attempt))
        attempts.append((attempt, issue_api_token(person)))
    quiz.questions.first().save()  # an author's edit: the next read is a fresh one

    for (attempt, token), most in zip(attempts, [8, 7], strict=True):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        with django_assert_max_num_queries(most):
            response = api_client.post(submit_url(attempt.pk), format="json")
        assert response.status_code == 200
        result = response.json()
        assert (result["status"], result["passed"], len(result["review"])) == (
            "submitted",
            True,
            size,
        )


# --- The schema ---------------------------------------------------------------------------------


def test_quiz_endpoints_are_in_the_openapi_schema_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/quizzes/{id}/",
        "/api/v1/quizzes/{quiz_id}/attempts/",
        "/api/v1/attempts/{id}/",
        "/api/v1/attempts/{id}/submit/",
    ):
        assert f"{path}:" in schema


# --- Choice ids --------------------------------------------------------------------------------


def test_choice_ids_shown_do_not_follow_the_authors_order(participant, db):
    """An author who writes the right answer first must not give it away through the ids."""
    import random

    quiz = make_empty_quiz(shuffle_choices=True)
    question = add_single_choice(
        quiz, choices=[(f"Choice {n}", n == 0, "") for n in range(5)]
    )  # the right one written first
    authored = list(question.choices.order_by("order").values_list("pk", flat=True))
    enrol_in(participant, quiz.course)
    ranks = set()
    for seed in range(12):
        attempt, _ = services.start_attempt(participant, quiz, rng=random.Random(seed))
        shown = selectors.get_attempt_questions(attempt)[0].choices
        ids = {view.text: view.id for view in shown}
        in_authored_order = [ids[f"Choice {n}"] for n in range(5)]
        assert not {str(pk) for pk in authored} & set(ids.values())
        assert len(set(ids.values())) == 5
        ranks.add(sorted(in_authored_order).index(in_authored_order[0]))
        services.submit_attempt(attempt.user, attempt.pk)
    assert len(ranks) > 1  # the right answer's id is not always the lowest (or any one rank)


def test_choices_keep_their_ids_for_the_whole_attempt(client, quiz):
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    multiple = quiz.questions.get(type="multiple_response")
    shown = next(q for q in data["questions"] if q["id"] == multiple.pk)["choices"]
    picked = [shown[-1]["id"], shown[0]["id"]]
    saved = client.patch(
        attempt_url(attempt.pk), {"answers": {str(multiple.pk): picked}}, format="json"
    )
    assert saved.json()["answers"] == {str(multiple.pk): [shown[0]["id"], shown[-1]["id"]]}
    again = client.post(attempts_url(quiz), format="json").json()
    assert next(q for q in again["questions"] if q["id"] == multiple.pk)["choices"] == shown
    result = client.post(submit_url(attempt.pk), format="json").json()
    review = next(q for q in result["review"] if q["id"] == multiple.pk)
    assert [c["id"] for c in review["choices"]] == [c["id"] for c in shown]
    assert [c["id"] for c in review["choices"] if c["selected"]] == review["answer"]
    assert review["answer"] == [shown[0]["id"], shown[-1]["id"]]


def test_an_attempt_started_before_opaque_choice_ids_keeps_working(client, quiz):
    """Attempts started before choices had opaque ids list bare choice ids in their layout."""
    data = start(client, quiz)
    attempt = Attempt.objects.get(pk=data["id"])
    for item in attempt.layout:
        item["choices"] = [choice for _opaque, choice in item["choices"]]
    attempt.save(update_fields=["layout"])
    single = quiz.questions.get(type="single_choice")
    right = single.choices.get(is_correct=True).pk
    shown = next(q for q in client.get(attempt_url(attempt.pk)).json()["questions"]
                 if q["id"] == single.pk)["choices"]  # fmt: skip
    assert sorted(c["id"] for c in shown) == sorted(str(c.pk) for c in single.choices.all())
    saved = client.patch(attempt_url(attempt.pk), {"answers": {str(single.pk): right}},
                         format="json")  # fmt: skip
    assert saved.json()["answers"] == {str(single.pk): str(right)}
    result = client.post(submit_url(attempt.pk), format="json").json()
    review = next(q for q in result["review"] if q["id"] == single.pk)
    assert (review["outcome"], review["answer"]) == ("correct", str(right))
