"""An enrolment's moves (complete, withdraw, rejoin): each illegal move refused with a
DomainError and nothing changed, each repeated move a no-op, and what the services, pages and
API answer about them."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.exceptions import EnrolmentCompleted, EnrolmentWithdrawn
from courses.models import Enrolment, EnrolmentStatus, Lesson, LessonCompletion
from courses.services.enrolment import enrol, ensure_default_cohort, withdraw
from courses.services.progress import evaluate_completion, record_lesson_completion
from tests.factories import enrol_user, make_completion, make_course


def lessons_of(course):
    return list(Lesson.objects.filter(course=course).order_by("module__order", "order", "id"))


def withdrawn(user, course):
    enrolment = enrol_user(user, course)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.WITHDRAWN, withdrawn_at=timezone.now()
    )
    enrolment.refresh_from_db()
    return enrolment


def complete_directly(user, lesson):
    LessonCompletion.objects.create(user=user, lesson=lesson, completed_at=timezone.now())


def stored(enrolment):
    return Enrolment.objects.values("status", "completed_at", "withdrawn_at").get(pk=enrolment.pk)


@pytest.fixture
def short_course(db):
    """One module of two lessons, nothing else required."""
    return make_course(modules=1, lessons_per_module=2)


# --- The model's moves ---------------------------------------------------------------------------


def test_completing_sets_the_completion_time_once(participant, course):
    enrolment = enrol_user(participant, course)

    assert enrolment.complete() is True
    first = stored(enrolment)
    assert first["status"] == EnrolmentStatus.COMPLETED
    assert first["completed_at"] is not None

    assert enrolment.complete() is False
    assert stored(enrolment) == first


def test_a_withdrawn_enrolment_cannot_be_completed(participant, course):
    enrolment = withdrawn(participant, course)
    before = stored(enrolment)

    with pytest.raises(EnrolmentWithdrawn) as refused:
        enrolment.complete()

    assert refused.value.status_code == 409
    assert str(refused.value.message) == (
        "A withdrawn enrolment cannot be completed: enrol in the course again first."
    )
    assert stored(enrolment) == before


def test_a_completed_enrolment_cannot_be_withdrawn(course):
    enrolment = make_completion(course)
    before = stored(enrolment)

    with pytest.raises(EnrolmentCompleted):
        enrolment.withdraw()

    assert stored(enrolment) == before


def test_withdrawing_then_rejoining_moves_between_active_and_withdrawn(participant, course):
    enrolment = enrol_user(participant, course)

    assert enrolment.withdraw() is True
    assert stored(enrolment)["status"] == EnrolmentStatus.WITHDRAWN
    assert stored(enrolment)["withdrawn_at"] is not None

    assert enrolment.rejoin() is True
    assert stored(enrolment) == {
        "status": EnrolmentStatus.ACTIVE, "completed_at": None, "withdrawn_at": None
    }  # fmt: skip


@pytest.mark.parametrize(
    "state,move",
    [
        ("completed", "complete"),
        ("withdrawn", "withdraw"),
        ("active", "rejoin"),
        ("completed", "rejoin"),
    ],
)
def test_a_move_to_where_the_enrolment_is_already_writes_nothing(
    participant, course, django_assert_max_num_queries, state, move
):
    enrolment = {
        "active": lambda: enrol_user(participant, course),
        "completed": lambda: make_completion(course),
        "withdrawn": lambda: withdrawn(participant, course),
    }[state]()
    before = stored(enrolment)

    with django_assert_max_num_queries(0):
        assert getattr(enrolment, move)() is False

    assert stored(enrolment) == before


# --- Services: what they answer ------------------------------------------------------------------


def test_recording_lessons_tells_which_call_completed_the_course(
    participant, short_course, completed_events, django_capture_on_commit_callbacks
):
    first, last = lessons_of(short_course)
    enrolment = enrol_user(participant, short_course)

    with django_capture_on_commit_callbacks(execute=True):
        started = record_lesson_completion(participant, first)
        finished = record_lesson_completion(participant, last)
        again = record_lesson_completion(participant, last)

    assert (started.created, started.course_completed) == (True, False)
    assert started.enrolment.status == EnrolmentStatus.ACTIVE
    assert (finished.created, finished.course_completed) == (True, True)
    assert finished.enrolment.pk == enrolment.pk
    assert finished.enrolment.status == EnrolmentStatus.COMPLETED
    assert finished.enrolment.completed_at == stored(enrolment)["completed_at"]
    assert (again.created, again.course_completed) == (False, False)
    assert again.completion.pk == finished.completion.pk
    assert again.enrolment.completed_at == finished.enrolment.completed_at
    assert len(completed_events) == 1


def test_evaluating_completion_updates_the_enrolment_it_is_given(participant, short_course):
    enrolment = enrol_user(participant, short_course)
    for lesson in lessons_of(short_course):
        record_lesson_completion(participant, lesson)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.ACTIVE, completed_at=None
    )

    assert evaluate_completion(enrolment) is True
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at == stored(enrolment)["completed_at"]
    assert evaluate_completion(enrolment) is False


def test_a_withdrawn_enrolment_is_left_withdrawn_by_evaluation(participant, short_course):
    enrolment = enrol_user(participant, short_course)
    record_lesson_completion(participant, lessons_of(short_course)[0])
    withdraw(enrolment, by=participant)
    complete_directly(participant, lessons_of(short_course)[1])
    before = stored(enrolment)

    assert evaluate_completion(enrolment) is False
    assert stored(enrolment) == before


def test_enrolling_again_in_the_cohort_left_rejoins_it_and_completes_what_is_done(
    participant, short_course
):
    cohort = ensure_default_cohort(short_course)
    enrolment = enrol(participant, cohort)
    record_lesson_completion(participant, lessons_of(short_course)[0])
    assert withdraw(enrolment, by=participant) is True
    # Progress is the participant's: the last lesson done while away (in another cohort, say).
    complete_directly(participant, lessons_of(short_course)[1])

    back = enrol(participant, cohort)

    assert back.pk == enrolment.pk
    assert back.withdrawn_at is None
    assert back.status == EnrolmentStatus.COMPLETED  # the answer says so, without a re-read
    assert back.completed_at == stored(enrolment)["completed_at"]


def test_enrolling_again_after_completing_changes_nothing(participant, short_course):
    cohort = ensure_default_cohort(short_course)
    enrol(participant, cohort)
    for lesson in lessons_of(short_course):
        done = record_lesson_completion(participant, lesson)
    before = stored(done.enrolment)

    again = enrol(participant, cohort)

    assert again.pk == done.enrolment.pk
    assert stored(again) == before


# --- Pages ---------------------------------------------------------------------------------------


def test_completing_the_last_lesson_again_does_not_congratulate_twice(
    client, participant, short_course, django_assert_max_num_queries
):
    first, last = lessons_of(short_course)
    enrol_user(participant, short_course)
    client.force_login(participant)
    client.post(reverse("lesson-complete", args=[short_course.slug, first.slug]))

    with django_assert_max_num_queries(17):
        finished = client.post(reverse("lesson-complete", args=[short_course.slug, last.slug]))
    congratulated = client.get(finished.url).content.decode()
    again = client.post(
        reverse("lesson-complete", args=[short_course.slug, last.slug]), follow=True
    )

    assert finished.url == short_course.get_absolute_url()
    assert "You have completed the course. Well done!" in congratulated
    assert again.redirect_chain == [(last.get_absolute_url(), 302)]
    assert "Well done" not in again.content.decode()


def test_leaving_a_completed_course_on_its_page_is_refused_and_changes_nothing(client, course):
    enrolment = make_completion(course)
    before = stored(enrolment)
    client.force_login(enrolment.user)

    response = client.post(
        reverse("course-withdraw", args=[course.slug]), {"enrolment": enrolment.pk}, follow=True
    )

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert "A completed enrolment cannot be withdrawn." in response.content.decode()
    assert stored(enrolment) == before


@pytest.mark.parametrize(
    "language,refusal",
    [
        ("fr", "Une inscription terminée ne peut pas être retirée."),
        ("es", "Una inscripción completada no se puede retirar."),
        ("ar", "لا يمكن سحب تسجيل مكتمل."),
    ],
)
def test_the_refusal_reads_in_the_readers_language(client, course, language, refusal):
    enrolment = make_completion(course)
    client.force_login(enrolment.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post(
        reverse("course-withdraw", args=[course.slug]), {"enrolment": enrolment.pk}, follow=True
    )

    assert refusal in response.content.decode()


# --- API -----------------------------------------------------------------------------------------


def test_withdrawing_twice_through_the_api_answers_the_same_and_changes_nothing(
    api_client, participant, course, django_assert_max_num_queries
):
    enrolment = enrol_user(participant, course)
    api_client.force_authenticate(participant)
    url = f"/api/v1/enrolments/{enrolment.pk}/withdraw/"

    with django_assert_max_num_queries(8):
        first = api_client.post(url)
    after_first = stored(enrolment)
    second = api_client.post(url)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] == "withdrawn"
    assert stored(enrolment) == after_first


def test_withdrawing_a_completed_enrolment_through_the_api_is_a_conflict(api_client, course):
    enrolment = make_completion(course)
    before = stored(enrolment)
    api_client.force_authenticate(enrolment.user)

    response = api_client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw/")

    assert response.status_code == 409
    assert response.json() == {
        "code": "enrolment_completed",
        "detail": "A completed enrolment cannot be withdrawn.",
    }
    assert stored(enrolment) == before


def test_marking_the_last_lesson_through_the_api_answers_from_the_service(
    api_client, participant, short_course, django_assert_max_num_queries
):
    first, last = lessons_of(short_course)
    enrolment = enrol_user(participant, short_course)
    api_client.force_authenticate(participant)
    api_client.post(f"/api/v1/lessons/{first.pk}/complete/")

    with django_assert_max_num_queries(15):
        response = api_client.post(f"/api/v1/lessons/{last.pk}/complete/")

    assert response.status_code == 200
    assert response.json()["enrolment"] == enrolment.pk
    assert response.json()["enrolment_status"] == "completed"
