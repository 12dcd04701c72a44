"""Scores back to the platform (AGS): written with the event, sent by the task over real HTTP
to the simulated platform's line item, once; retried after a failure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.services.progress import record_lesson_completion
from lti.models import Score
from lti.services.sending import send_pending_scores
from lti.tasks import send_scores_task
from quizzes.models import Quiz
from quizzes.services import start_attempt, submit_attempt
from tests.factories import enrol_user, make_course, make_user
from tests.lti.conftest import run_launch

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def course(db):
    return make_course(slug="buying-right", modules=1, lessons_per_module=2)


def _launched_learner(client, platform, registration, course, **claims):
    response, _token, _state = run_launch(
        client, platform, registration, custom={"elearn_target": f"course:{course.slug}"}, **claims
    )
    assert response.status_code == 302
    return response.wsgi_request.user


def _complete(user, course):
    for lesson in course.lessons.all():
        record_lesson_completion(user, lesson)


def test_a_completion_sends_the_course_score_to_the_platform_once(
    client, platform, registration, course, django_capture_on_commit_callbacks
):
    user = _launched_learner(client, platform, registration, course)
    with django_capture_on_commit_callbacks(execute=True):
        _complete(user, course)

    [score] = platform.scores["/lineitems/1"]
    assert score["userId"] == "learner-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["timestamp"]
    assert Score.objects.get().sent_at is not None
    # The token was asked for with the tool's signed assertion (the platform checked it).
    assert platform.token_requests[0]["grant_type"] == "client_credentials"
    assert platform.token_requests[0]["client_assertion_type"].endswith("jwt-bearer")

    send_scores_task()  # the sweep: nothing left to send
    assert len(platform.scores["/lineitems/1"]) == 1


def test_a_score_the_platform_could_not_take_is_sent_after_the_backoff(
    client, platform, registration, course
):
    user = _launched_learner(client, platform, registration, course)
    _complete(user, course)
    platform.down = True
    outcome = send_pending_scores()
    assert (outcome.sent, outcome.failed) == (0, 1)
    score = Score.objects.get()
    assert score.pending and score.tries == 1 and "503" in score.last_error

    platform.down = False
    assert send_pending_scores().sent == 0  # not before its next try
    later = timezone.now() + timedelta(minutes=2)
    assert send_pending_scores(now=later).sent == 1
    assert len(platform.scores["/lineitems/1"]) == 1
    assert send_pending_scores(now=later).sent == 0


def test_a_score_the_platform_refuses_is_not_sent_again(client, platform, registration, course):
    user = _launched_learner(
        client, platform, registration, course,
        **{AGS: {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                 "lineitem": platform.url + "/nowhere"}},
    )  # fmt: skip
    _complete(user, course)
    assert send_pending_scores().rejected == 1
    assert Score.objects.get().rejected
    assert send_pending_scores(now=timezone.now() + timedelta(days=1)).rejected == 0


def test_no_score_is_written_for_someone_who_did_not_come_through_the_platform(course):
    user = make_user()
    enrol_user(user, course)
    _complete(user, course)
    assert not Score.objects.exists()


def test_a_launch_without_a_line_item_writes_no_score(client, platform, registration, course):
    user = _launched_learner(client, platform, registration, course, **{AGS: None})
    _complete(user, course)
    assert not Score.objects.exists()


def test_each_quiz_submission_sends_the_best_score_so_far(client, platform, registration, db):
    course = make_course(slug="with-quiz", modules=1, lessons_per_module=1, quizzes_per_module=1)
    quiz = Quiz.objects.get(course=course)
    response, _token, _state = run_launch(
        client, platform, registration, custom={"elearn_target": f"quiz:{quiz.pk}"},
        **{AGS: {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                 "lineitem": platform.url + "/lineitems/2"}},
    )  # fmt: skip
    assert response.status_code == 302
    user = response.wsgi_request.user

    _submit(user, quiz, right=True)
    _submit(user, quiz, right=False)
    assert send_pending_scores().sent == 2
    given = [s["scoreGiven"] for s in platform.scores["/lineitems/2"]]
    assert given == [100, 100]  # the second, weaker attempt does not lower the gradebook


def test_a_course_completed_before_the_first_launch_is_sent_on_it(
    client, platform, registration, course
):
    user = make_user(email="amina.diallo@example.org")
    enrol_user(user, course)
    _complete(user, course)
    _launched_learner(client, platform, registration, course)
    assert send_pending_scores().sent == 1
    assert platform.scores["/lineitems/1"][0]["scoreGiven"] == 100


def _submit(user, quiz, *, right):
    attempt, _created = start_attempt(user, quiz)
    correct = {c.pk for q in quiz.questions.all() for c in q.choices.filter(is_correct=True)}
    submit_attempt(  # each question's right (or a wrong) choice, by its id in the attempt
        user,
        attempt.pk,
        answers={
            str(item["question"]): next(o for o, c in item["choices"] if (c in correct) == right)
            for item in attempt.layout
        },
    )


def test_the_personal_data_export_holds_what_the_platform_said_and_the_scores_sent(
    client, platform, registration, course, django_capture_on_commit_callbacks
):
    from accounts.services.privacy import export_personal_data

    user = _launched_learner(client, platform, registration, course)
    with django_capture_on_commit_callbacks(execute=True):
        _complete(user, course)

    [identity] = export_personal_data(user)["learning_platforms"]

    assert identity["issuer"] == registration.issuer
    assert identity["subject"] == "learner-1"
    assert identity["email"] == user.email
    [column] = identity["gradebook_columns"]
    assert (column["course"], column["quiz"]) == (course.title, None)
    [score] = column["scores"]
    assert (score["score"], score["out_of"]) == ("100.00", "100.00")
    assert score["sent_at"] is not None
    assert export_personal_data(make_user())["learning_platforms"] == []
