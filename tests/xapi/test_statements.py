"""xAPI statements: what each event records in the outbox, and sending it to a store.

Events go through the platform's services and pages; the store is tests/xapi/store_in_thread.py
(test_ralph.py runs the same journey against a real one)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from certificates.services import issue_certificates
from courses.models import Enrolment, Lesson
from courses.services.enrolment import enrol
from courses.services.progress import record_lesson_completion
from elearn.outbox import FIRST_WAIT
from quizzes.services import start_attempt, submit_attempt
from tests.factories import make_course, make_user
from tests.quizzes.factories import right_answer, wrong_answer
from xapi.models import Statement
from xapi.services import KEEP_SENT, purge_sent_statements, send_pending_statements


@pytest.fixture
def course(db):
    """Two modules: two lessons in the first, one lesson and a two-question quiz in the second."""
    course = make_course(modules=2, lessons_per_module=1, title="Buying with due diligence")
    first, second = course.modules.order_by("order")
    Lesson.objects.create(module=first, slug="extra", title="Extra", body="x", order=5)
    from tests.factories import make_quiz

    make_quiz(module=second, slug="check", title="Check", questions=2)
    return course


def lessons(course):
    return list(Lesson.objects.filter(course=course).order_by("module__order", "order"))


def verbs_and_objects():
    return [
        (s.verb, s.payload["object"]["id"].split("/", 3)[3])
        for s in Statement.objects.order_by("created_at", "pk")
    ]


def take_quiz(user, quiz, *, right=True):
    attempt, _created = start_attempt(user, quiz)
    answer = right_answer if right else wrong_answer
    answers = {str(q.pk): answer(q, attempt) for q in quiz.questions.all()}
    return submit_attempt(user, attempt.pk, answers=answers)


def test_nothing_is_recorded_without_a_store(settings, course, client):
    settings.XAPI_LRS_URL = ""
    user = make_user()
    enrol(user, course.cohorts.get())
    for lesson in lessons(course):
        record_lesson_completion(user, lesson)
    take_quiz(user, course.quizzes.get())
    assert Enrolment.objects.get(user=user).status == "completed"
    assert not Statement.objects.exists()
    assert send_pending_statements().sent == 0


def test_a_participants_way_through_the_course_is_recorded_in_order(store, course, client):
    user = make_user()
    cohort = course.cohorts.get()
    enrol(user, cohort)
    first, extra, third = lessons(course)
    client.force_login(user)
    assert client.get(first.get_absolute_url()).status_code == 200
    client.get(first.get_absolute_url())  # a reload: not another lesson opened
    record_lesson_completion(user, first)
    record_lesson_completion(user, first)  # again: nothing new
    record_lesson_completion(user, extra)  # the first module is complete
    record_lesson_completion(user, third)
    quiz = course.quizzes.get()
    take_quiz(user, quiz, right=False)
    take_quiz(user, quiz)  # the second module and the course are complete

    slug = course.slug
    course_path = f"courses/{slug}/"
    quiz_path = f"quizzes/{quiz.pk}/"
    questions = list(quiz.questions.order_by("order"))
    attempt_statements = [("attempted", quiz_path)] + [
        ("answered", f"{quiz_path}#question-{q.pk}") for q in questions
    ]
    assert verbs_and_objects() == [
        ("registered", course_path),
        ("experienced", first.get_absolute_url().lstrip("/")),
        ("completed", first.get_absolute_url().lstrip("/")),
        ("completed", extra.get_absolute_url().lstrip("/")),
        ("completed", f"{course_path}#module-m1"),
        ("completed", third.get_absolute_url().lstrip("/")),
        *attempt_statements,
        ("failed", quiz_path),
        *attempt_statements,
        ("passed", quiz_path),
        ("completed", f"{course_path}#module-m2"),
        ("completed", course_path),
    ]


def test_statements_name_the_participant_by_account_and_carry_the_enrolment(
    store, course, settings
):
    user = make_user(email="amina@example.org")
    cohort = course.cohorts.get()
    enrolment = enrol(user, cohort)
    statement = Statement.objects.get().payload
    home = "https://example.com/"
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": home, "name": str(user.pk)},
    }
    assert "amina" not in str(statement)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert statement["object"]["id"] == f"{home}courses/{course.slug}/"
    assert statement["object"]["definition"]["name"] == {"en": "Buying with due diligence"}
    context = statement["context"]
    assert context["registration"] == str(enrolment.registration)
    (group,) = context["contextActivities"]["other"]
    assert group["id"] == f"{home}facilitate/cohorts/{cohort.pk}/"
    assert group["definition"]["name"] == {"en": cohort.name}
    assert statement["id"] == str(Statement.objects.get().pk)

    settings.XAPI_ACTOR_EMAIL = True
    other = make_user(email="jose@example.org")
    enrol(other, cohort)
    assert Statement.objects.latest("created_at").payload["actor"] == {
        "objectType": "Agent",
        "mbox": "mailto:jose@example.org",
    }


def test_enrolments_have_distinct_registrations(course):
    enrolments = [enrol(make_user(), course.cohorts.get()) for _ in range(3)]
    assert len({e.registration for e in enrolments}) == 3


def test_a_graded_attempt_records_each_answer_and_the_score(store, course):
    user = make_user()
    enrol(user, course.cohorts.get())
    quiz = course.quizzes.get()
    take_quiz(user, quiz, right=False)
    answered = Statement.objects.filter(verb="answered")
    assert [s.payload["result"]["success"] for s in answered] == [False, False]
    assert answered[0].payload["object"]["definition"]["interactionType"] == "choice"
    score = {"scaled": 0.0, "raw": 0.0, "min": 0, "max": 1.0}
    assert answered[0].payload["result"]["score"] == score
    assert (
        answered[0]
        .payload["context"]["contextActivities"]["parent"][0]["id"]
        .endswith(f"/quizzes/{quiz.pk}/")
    )
    failed = Statement.objects.get(verb="failed").payload
    assert failed["result"] == {
        "success": False,
        "completion": True,
        "score": {"scaled": 0.0, "raw": 0.0, "min": 0, "max": 2.0},
    }
    assert list(failed["context"]["extensions"].values()) == [1]  # the attempt's number


def test_an_issued_certificate_is_earned(store, course):
    user = make_user()
    enrolment = enrol(user, course.cohorts.get())
    for lesson in lessons(course):
        record_lesson_completion(user, lesson)
    take_quiz(user, course.quizzes.get())
    (certificate,) = issue_certificates([enrolment.pk]).issued
    earned = Statement.objects.get(verb="earned").payload
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"https://example.com/certificates/verify/{certificate.code}/"
    assert earned["context"]["registration"] == str(enrolment.registration)
    # Issued again (a second delivery): nothing more.
    issue_certificates([enrolment.pk])
    assert Statement.objects.filter(verb="earned").count() == 1


def test_statements_are_written_with_their_event_or_not_at_all(store, course):
    user = make_user()
    enrol(user, course.cohorts.get())
    lesson = lessons(course)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        record_lesson_completion(user, lesson)
        raise RuntimeError("the request fails after the completion")
    assert list(Statement.objects.values_list("verb", flat=True)) == ["registered"]


def test_pending_statements_are_sent_in_batches_and_once(store, course, monkeypatch):
    monkeypatch.setattr("xapi.services.BATCH_SIZE", 3)
    for _ in range(7):
        enrol(make_user(), course.cohorts.get())
    outcome = send_pending_statements()
    assert outcome.sent == 7
    assert [len(batch) for batch in store.requests] == [3, 3, 1]
    written = Statement.objects.values_list("pk", flat=True)
    assert sorted(store.statements) == sorted(str(pk) for pk in written)
    assert not Statement.objects.filter(sent_at__isnull=True).exists()
    assert send_pending_statements().sent == 0
    assert len(store.requests) == 3


def test_a_store_that_is_down_gets_the_statements_after_its_backoff(store, course):
    enrol(make_user(), course.cohorts.get())
    store.down = True
    now = timezone.now()
    outcome = send_pending_statements(now=now)
    assert (outcome.sent, outcome.failed) == (0, 1)
    waiting = Statement.objects.get()
    assert waiting.tries == 1 and waiting.sent_at is None
    assert waiting.next_try_at == now + FIRST_WAIT
    assert "503" in waiting.last_error

    store.down = False
    assert send_pending_statements(now=now + FIRST_WAIT / 2).sent == 0  # not yet
    assert send_pending_statements(now=now + FIRST_WAIT).sent == 1
    assert store.verbs() == ["registered"]

    # Failing again doubles the wait.
    enrol(make_user(), course.cohorts.get())
    store.down = True
    later = timezone.now()
    send_pending_statements(now=later)
    send_pending_statements(now=later + FIRST_WAIT)
    assert Statement.objects.get(sent_at__isnull=True).next_try_at == later + 3 * FIRST_WAIT


def test_a_statement_the_store_refuses_is_set_aside_and_the_rest_are_sent(store, course):
    user = make_user()
    enrol(user, course.cohorts.get())
    record_lesson_completion(user, lessons(course)[0])
    store.refuse_verbs = {"completed"}
    outcome = send_pending_statements()
    assert (outcome.sent, outcome.rejected) == (1, 1)
    refused = Statement.objects.get(verb="completed")
    assert refused.rejected and refused.sent_at is None and "400" in refused.last_error
    assert store.verbs() == ["registered"]
    assert send_pending_statements().sent == 0  # not tried again


def test_a_batch_sent_again_after_its_answer_was_lost_is_stored_once(store, course):
    for _ in range(2):
        enrol(make_user(), course.cohorts.get())
    send_pending_statements()
    # The store stored them, but the platform never heard (the worker died before marking).
    Statement.objects.update(sent_at=None)
    assert send_pending_statements().sent == 2
    assert len(store.requests) == 2
    assert len(store.statements) == 2


def test_the_task_after_the_event_sends_it(store, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrol(make_user(), course.cohorts.get())
    assert store.verbs() == ["registered"]
    assert Statement.objects.get().sent_at is not None


def test_sending_waits_no_longer_than_six_hours(store, course):
    enrol(make_user(), course.cohorts.get())
    store.down = True
    now = timezone.now()
    Statement.objects.update(tries=30)
    send_pending_statements(now=now)
    assert Statement.objects.get().next_try_at == now + timedelta(hours=6)


def test_statements_sent_long_ago_are_purged_and_the_others_kept(store, course):
    for _ in range(3):
        enrol(make_user(), course.cohorts.get())
    now = timezone.now()
    old, recent, waiting = Statement.objects.order_by("created_at")
    Statement.objects.filter(pk=old.pk).update(sent_at=now - KEEP_SENT - timedelta(minutes=1))
    Statement.objects.filter(pk=recent.pk).update(sent_at=now - KEEP_SENT + timedelta(minutes=1))
    assert purge_sent_statements(now=now) == 1
    assert set(Statement.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
