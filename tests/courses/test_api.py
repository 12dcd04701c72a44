import pytest

from courses.models import Lesson
from quizzes.models import Quiz
from tests.factories import make_course


def test_course_list_shows_published_courses_to_anyone(api_client, course):
    make_course(published=False, slug="draft")
    response = api_client.get("/api/v1/courses/")
    assert response.status_code == 200
    slugs = [c["slug"] for c in response.json()["results"]]
    assert slugs == [course.slug]
    listed = response.json()["results"][0]
    assert listed["module_count"] == 2
    assert listed["lesson_count"] == 6


def test_course_detail_gives_outline_with_module_lesson_and_quiz_ids(api_client, course):
    response = api_client.get(f"/api/v1/courses/{course.slug}/")
    assert response.status_code == 200
    data = response.json()
    modules = data["modules"]
    assert [m["slug"] for m in modules] == ["m1", "m2"]
    lesson_ids = [lesson["id"] for m in modules for lesson in m["lessons"]]
    expected = Lesson.objects.filter(course=course).order_by("module__order", "order")
    assert lesson_ids == list(expected.values_list("id", flat=True))
    quiz_ids = [q["id"] for m in modules for q in m["quizzes"]]
    assert quiz_ids == list(
        Quiz.objects.filter(course=course).order_by("module__order").values_list("id", flat=True)
    )
    assert modules[0]["quizzes"][0]["question_count"] == 2


def test_outline_never_contains_answers(api_client, course):
    body = api_client.get(f"/api/v1/courses/{course.slug}/").content.decode()
    assert "is_correct" not in body
    assert "Right" not in body  # the correct choice's text


@pytest.mark.parametrize("viewer", ["anonymous", "participant", "facilitator"])
def test_unpublished_course_is_404_for_non_admins(api_client, request, db, viewer):
    draft = make_course(published=False, slug="draft")
    if viewer != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(viewer))
    response = api_client.get(f"/api/v1/courses/{draft.slug}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    listed = api_client.get("/api/v1/courses/").json()["results"]
    assert "draft" not in [c["slug"] for c in listed]


def test_admin_sees_unpublished_course_in_api(api_client, admin_user):
    make_course(published=False, slug="draft")
    api_client.force_authenticate(admin_user)
    assert api_client.get("/api/v1/courses/draft/").status_code == 200


def test_unknown_course_gives_error_shape(api_client, db):
    response = api_client.get("/api/v1/courses/nope/")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "detail"}


def test_courses_are_read_only(api_client, admin_user, course):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/courses/", {"title": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_course_endpoints_make_a_constant_number_of_queries(
    api_client, db, django_assert_max_num_queries
):
    for size in (1, 6):
        course = make_course(modules=size, lessons_per_module=size, quizzes_per_module=1)
        with django_assert_max_num_queries(5):
            assert api_client.get(f"/api/v1/courses/{course.slug}/").status_code == 200
        with django_assert_max_num_queries(3):
            assert api_client.get("/api/v1/courses/").status_code == 200
