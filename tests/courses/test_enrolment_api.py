"""The cohort, enrolment and lesson-completion endpoints of the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.pagination import PageNumberPagination

from courses.models import Enrolment, EnrolmentStatus, Lesson, LessonCompletion, ModuleDueDate
from courses.services.enrolment import ensure_default_cohort
from tests.factories import enrol_user, make_cohort, make_course, make_user

ROLES = ["anonymous", "participant", "other_participant", "facilitator", "admin_user"]


@pytest.fixture
def as_role(api_client, request):
    """as_role(name): the API client signed in as that persona (or not at all), and the user."""

    def sign_in(role):
        if role == "anonymous":
            return api_client, None
        user = request.getfixturevalue(role)
        api_client.force_authenticate(user)
        return api_client, user

    return sign_in


@pytest.fixture
def enrolment(participant, facilitator, course):
    """The participant's enrolment in a cohort the facilitator runs."""
    cohort = make_cohort(course, name="Facilitated cohort")
    cohort.facilitators.add(facilitator)
    return enrol_user(participant, course, cohort)


def first_lesson(course):
    return Lesson.objects.filter(course=course).order_by("module__order", "order").first()


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


# --- Permission matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_list_the_cohorts_of_a_published_course(as_role, course, role):
    client, _ = as_role(role)

    response = client.get(f"/api/v1/cohorts/?course={course.slug}")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [ensure_default_cohort(course).pk]


@pytest.mark.parametrize("role,status", [("anonymous", 401), *[(role, 200) for role in ROLES[1:]]])
def test_enrolment_list_needs_sign_in_and_shows_only_ones_own(as_role, enrolment, role, status):
    client, user = as_role(role)

    response = client.get("/api/v1/enrolments/")

    assert response.status_code == status
    if status == 401:
        assert response.json()["code"] == "not_authenticated"
    else:
        ids = [e["id"] for e in response.json()["results"]]
        assert ids == list(Enrolment.objects.filter(user=user).values_list("pk", flat=True))
        assert (enrolment.pk in ids) == (role == "participant")


@pytest.mark.parametrize("role,status", [("anonymous", 401), *[(role, 201) for role in ROLES[1:]]])
def test_enrolling_needs_sign_in_and_enrols_oneself(as_role, course, role, status):
    client, user = as_role(role)
    cohort = ensure_default_cohort(course)

    response = client.post("/api/v1/enrolments/", {"cohort": cohort.pk}, format="json")

    assert response.status_code == status
    if user is None:
        assert response.json()["code"] == "not_authenticated"
        assert not Enrolment.objects.exists()
    else:
        created = Enrolment.objects.get()
        assert (created.user, created.cohort, created.enrolled_by) == (user, cohort, None)
        assert response.json()["id"] == created.pk


@pytest.mark.parametrize(
    "role,status,code",
    [
        ("anonymous", 401, "not_authenticated"),
        ("participant", 200, None),
        ("other_participant", 404, "not_found"),
        ("facilitator", 404, "not_found"),  # even of the participant's own cohort
        ("admin_user", 404, "not_found"),
    ],
)
def test_an_enrolment_is_shown_to_its_participant_only(as_role, enrolment, role, status, code):
    client, _ = as_role(role)

    response = client.get(f"/api/v1/enrolments/{enrolment.pk}/")

    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    else:
        assert response.json()["id"] == enrolment.pk
        assert response.json()["progress"]["total"] == 8


@pytest.mark.parametrize(
    "role,status,code",
    [
        ("anonymous", 401, "not_authenticated"),
        ("participant", 200, None),
        ("other_participant", 404, "not_found"),
        ("facilitator", 404, "not_found"),
        ("admin_user", 404, "not_found"),
    ],
)
def test_an_enrolment_is_withdrawn_through_the_api_by_its_participant_only(
    as_role, enrolment, role, status, code
):
    client, _ = as_role(role)

    response = client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw/")

    assert response.status_code == status
    enrolment.refresh_from_db()
    if code:
        assert response.json()["code"] == code
        assert enrolment.status == EnrolmentStatus.ACTIVE
    else:
        assert response.json()["status"] == "withdrawn"
        assert enrolment.status == EnrolmentStatus.WITHDRAWN


@pytest.mark.parametrize(
    "role,status,code",
    [
        ("anonymous", 401, "not_authenticated"),
        ("participant", 200, None),
        ("other_participant", 403, "not_enrolled"),
        ("facilitator", 403, "not_enrolled"),
        ("admin_user", 403, "not_enrolled"),
    ],
)
def test_only_an_enrolled_participant_marks_lessons_complete(
    as_role, enrolment, course, role, status, code
):
    client, user = as_role(role)
    lesson = first_lesson(course)

    response = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")

    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
        assert not LessonCompletion.objects.exists()
    else:
        assert LessonCompletion.objects.get().user == user


# --- Enrolling -----------------------------------------------------------------------------------


def test_enrolling_answers_with_the_enrolment_and_its_progress(api_client, participant, course):
    api_client.force_authenticate(participant)
    cohort = ensure_default_cohort(course)

    data = api_client.post("/api/v1/enrolments/", {"cohort": cohort.pk}, format="json").json()

    assert data["course"] == course.slug
    assert data["cohort"] == cohort.pk
    assert data["status"] == "active"
    assert data["progress"]["percent"] == 0
    assert data["progress"]["next_lesson"] == first_lesson(course).pk
    assert [m["total"] for m in data["progress"]["modules"]] == [4, 4]


def test_enrolling_with_the_right_key(api_client, participant, course):
    keyed = make_cohort(course, enrolment_key="andes")
    api_client.force_authenticate(participant)

    response = api_client.post(
        "/api/v1/enrolments/", {"cohort": keyed.pk, "key": "andes"}, format="json"
    )

    assert response.status_code == 201
    assert Enrolment.objects.get(user=participant).cohort == keyed


def test_enrolling_in_another_cohort_through_the_api_moves_the_enrolment(
    api_client, participant, course
):
    first = enrol_user(participant, course)
    later = make_cohort(course)
    api_client.force_authenticate(participant)

    response = api_client.post("/api/v1/enrolments/", {"cohort": later.pk}, format="json")

    assert response.json()["id"] == first.pk
    assert response.json()["cohort"] == later.pk
    assert Enrolment.objects.count() == 1


@pytest.mark.parametrize(
    "case,status,code",
    [
        ("wrong-key", 403, "wrong_enrolment_key"),
        ("closed", 409, "enrolment_closed"),
        ("ended", 409, "enrolment_closed"),
        ("full", 409, "cohort_full"),
        ("unknown", 400, "invalid"),
        ("missing", 400, "invalid"),
        ("unpublished-course", 400, "invalid"),  # like an unknown cohort: no existence leak
    ],
)
def test_refused_enrolment_gives_the_reason_and_creates_nothing(
    api_client, participant, other_participant, course, case, status, code
):
    yesterday = timezone.localdate() - timedelta(days=1)
    cohort = {
        "wrong-key": lambda: make_cohort(course, enrolment_key="andes"),
        "closed": lambda: make_cohort(course, enrolment_open=False),
        "ended": lambda: make_cohort(course, ends_on=yesterday),
        "full": lambda: make_cohort(course, capacity=1),
        "unknown": lambda: None,
        "missing": lambda: None,
        "unpublished-course": lambda: ensure_default_cohort(make_course(published=False)),
    }[case]()
    if case == "full":
        enrol_user(other_participant, course, cohort)
    payload = {"cohort": cohort.pk if cohort else 999999, "key": "alps"}
    if case == "missing":
        del payload["cohort"]
    api_client.force_authenticate(participant)

    response = api_client.post("/api/v1/enrolments/", payload, format="json")

    assert_error(response, status, code)
    assert set(response.json()) == {"code", "detail"}
    assert not Enrolment.objects.filter(user=participant).exists()


def test_admin_enrolling_themself_still_needs_the_course_published(api_client, admin_user):
    draft = make_course(published=False)
    cohort = ensure_default_cohort(draft)
    api_client.force_authenticate(admin_user)

    response = api_client.post("/api/v1/enrolments/", {"cohort": cohort.pk}, format="json")

    # Admins see the course (so no 404), but self-enrolment still needs it published.
    assert_error(response, 409, "enrolment_closed")


def test_completed_enrolment_cannot_be_withdrawn_through_the_api(api_client, participant, course):
    enrolment = enrol_user(participant, course)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    api_client.force_authenticate(participant)

    response = api_client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw/")

    assert_error(response, 409, "enrolment_completed")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.withdrawn_at is None


# --- Listing -------------------------------------------------------------------------------------


def test_enrolment_list_is_paginated_newest_first_with_progress(
    api_client, participant, other_participant, monkeypatch
):
    # Pages of 2 rather than settings' 50: DRF reads PAGE_SIZE once, into this attribute, when
    # it is imported, so that is where the setting is overridden.
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    mine = []
    for _ in range(3):
        course = make_course(modules=1, lessons_per_module=2)
        mine.append(enrol_user(participant, course))
        LessonCompletion.objects.create(
            user=participant, lesson=course.lessons.first(), completed_at=timezone.now()
        )
    enrol_user(other_participant, course)
    api_client.force_authenticate(participant)

    first_page = api_client.get("/api/v1/enrolments/").json()
    second_page = api_client.get(first_page["next"]).json()

    assert first_page["count"] == 3
    listed = first_page["results"] + second_page["results"]
    assert [e["id"] for e in listed] == [e.pk for e in reversed(mine)]
    assert second_page["next"] is None
    assert [entry["progress"]["percent"] for entry in listed] == [50, 50, 50]


def test_an_enrolment_shows_its_certificate_code_and_status(api_client, participant):
    from certificates.services import issue_certificates

    under_way = enrol_user(participant, make_course())
    completed = enrol_user(participant, make_course())
    completed.status, completed.completed_at = EnrolmentStatus.COMPLETED, timezone.now()
    completed.save(update_fields=["status", "completed_at"])
    (certificate,) = issue_certificates([completed.pk]).issued
    api_client.force_authenticate(participant)

    listed = {e["id"]: e for e in api_client.get("/api/v1/enrolments/").json()["results"]}
    shown = api_client.get(f"/api/v1/enrolments/{completed.pk}/").json()

    assert listed[under_way.pk]["certificate"] is None
    assert listed[completed.pk]["certificate"] == {"code": certificate.code, "status": "issued"}
    assert shown["certificate"] == listed[completed.pk]["certificate"]


def test_enrolment_progress_lists_only_the_lessons_and_quizzes_of_its_course(
    api_client, participant, pass_quiz
):
    courses = [make_course(modules=1, lessons_per_module=2, quizzes_per_module=1) for _ in "ab"]
    for course in courses:
        enrol_user(participant, course)
        LessonCompletion.objects.create(
            user=participant, lesson=first_lesson(course), completed_at=timezone.now()
        )
        pass_quiz(participant, course.quizzes.get())
    api_client.force_authenticate(participant)

    listed = api_client.get("/api/v1/enrolments/").json()["results"]

    for entry, course in zip(listed, reversed(courses), strict=True):
        assert entry["progress"]["completed_lessons"] == [first_lesson(course).pk]
        assert entry["progress"]["passed_quizzes"] == [course.quizzes.get().pk]


def test_cohort_list_needs_a_course(api_client, db):
    response = api_client.get("/api/v1/cohorts/")

    assert_error(response, 400, "invalid")
    assert "course" in response.json()["detail"]


@pytest.mark.parametrize("role,status", [("participant", 404), ("admin_user", 200)])
def test_cohorts_of_an_unpublished_course_are_for_admins_only(as_role, role, status):
    client, _ = as_role(role)
    draft = make_course(published=False)
    ensure_default_cohort(draft)

    response = client.get(f"/api/v1/cohorts/?course={draft.slug}")

    assert response.status_code == status


def test_cohort_list_shows_joinable_cohorts_and_never_the_key(api_client, participant, course):
    keyed = make_cohort(course, name="Keyed", enrolment_key="very-secret-key", capacity=3)
    make_cohort(course, name="Closed", enrolment_open=False)
    make_cohort(course, name="Ended", ends_on=timezone.localdate() - timedelta(days=1))
    module = course.modules.first()
    due_on = timezone.localdate() + timedelta(days=14)
    ModuleDueDate.objects.create(cohort=keyed, module=module, due_on=due_on)
    enrol_user(participant, course, keyed)

    response = api_client.get(f"/api/v1/cohorts/?course={course.slug}")

    assert "very-secret-key" not in response.content.decode()
    results = {c["name"]: c for c in response.json()["results"]}
    assert set(results) == {"Self-paced", "Keyed"}
    assert "enrolment_key" not in results["Keyed"]
    assert results["Keyed"]["requires_key"] is True
    assert results["Self-paced"]["requires_key"] is False
    assert results["Keyed"]["places_left"] == 2
    assert results["Self-paced"]["places_left"] is None
    assert results["Keyed"]["due_dates"] == [{"module": module.pk, "due_on": due_on.isoformat()}]


# --- Marking lessons complete --------------------------------------------------------------------


def test_marking_complete_twice_answers_with_the_first_completion_time(
    api_client, participant, course
):
    enrolment = enrol_user(participant, course)
    lesson = first_lesson(course)
    api_client.force_authenticate(participant)

    first = api_client.post(f"/api/v1/lessons/{lesson.pk}/complete/").json()
    second = api_client.post(f"/api/v1/lessons/{lesson.pk}/complete/").json()

    assert first == second
    assert first["lesson"] == lesson.pk
    assert first["enrolment"] == enrolment.pk
    assert first["enrolment_status"] == "active"
    assert LessonCompletion.objects.count() == 1


def test_marking_the_last_lesson_complete_reports_the_course_completed(
    api_client, participant, completed_events, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=1)
    enrolment = enrol_user(participant, course)
    api_client.force_authenticate(participant)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/lessons/{first_lesson(course).pk}/complete/")

    assert response.json()["enrolment_status"] == "completed"
    assert [e["enrolment_id"] for e in completed_events] == [enrolment.pk]


def test_lessons_of_an_unpublished_course_are_404_through_the_api(api_client, participant):
    draft = make_course(published=False)
    api_client.force_authenticate(participant)

    response = api_client.post(f"/api/v1/lessons/{first_lesson(draft).pk}/complete/")

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "enrolments/{id}/withdraw/"),
        ("get", "lessons/{lesson}/complete/"),
        ("post", "cohorts/?course={course}"),
    ],
)
def test_action_endpoints_refuse_other_methods(api_client, enrolment, course, method, path):
    api_client.force_authenticate(enrolment.user)
    url = "/api/v1/" + path.format(
        id=enrolment.pk, lesson=first_lesson(course).pk, course=course.slug
    )

    response = getattr(api_client, method)(url)

    assert_error(response, 405, "method_not_allowed")


# --- Query counts --------------------------------------------------------------------------------


def test_enrolment_list_makes_the_same_number_of_queries_for_1_and_10_enrolments(
    api_client, participant, django_assert_max_num_queries
):
    api_client.force_authenticate(participant)
    counts = []
    for total in (1, 10):
        Enrolment.objects.filter(user=participant).delete()
        for _ in range(total):
            course = make_course(modules=2, lessons_per_module=2, quizzes_per_module=1)
            enrol_user(participant, course)
        api_client.get("/api/v1/enrolments/")  # outlines built and cached
        with django_assert_max_num_queries(8) as queries:
            response = api_client.get("/api/v1/enrolments/")
        assert response.json()["count"] == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cohort_list_makes_the_same_number_of_queries_for_1_and_10_cohorts(
    api_client, course, django_assert_max_num_queries
):
    counts = []
    for total in (1, 10):
        while course.cohorts.count() < total:
            cohort = make_cohort(course, capacity=5)
            ModuleDueDate.objects.create(
                cohort=cohort, module=course.modules.first(), due_on=timezone.localdate()
            )
            for _ in range(2):
                enrol_user(make_user(), course, cohort)
        with django_assert_max_num_queries(5) as queries:
            response = api_client.get(f"/api/v1/cohorts/?course={course.slug}")
        assert response.json()["count"] == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
