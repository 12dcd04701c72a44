"""The statistics page: who may see it, bad filters, and a bounded number of queries."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import make_course
from tests.quizzes.factories import make_empty_quiz
from tests.reports.conftest import attempt, certificate, enrolment, lesson_done

URL = "/reports/"


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["participant", "facilitator"])
def test_participants_and_facilitators_get_a_404(client_for, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 404


def test_admins_see_the_page_linked_from_the_header(client_for, admin_user):
    response = client_for(admin_user).get(URL)

    assert response.status_code == 200
    assertContains(response, "<h1>Completion statistics</h1>", html=True)
    assertContains(response, f'<a href="{URL}" aria-current="page">Reports</a>', html=True)
    for heading in ("By course", "By cohort", "By country", "By region", "By month"):
        assertContains(response, heading)


def test_others_see_no_reports_link(client_for, participant):
    response = client_for(participant).get(reverse("my-learning"))

    assertNotContains(response, f'href="{URL}"')


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"country": "ZZ"}, "country", "Select a valid choice"),
        ({"from": "2026-02-30"}, "from", "Enter a valid date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "The last day comes before the first"),
        ({"course": "no-such-course"}, "course", "Select a valid choice"),
        ({"cohort": "999999"}, "cohort", "Select a valid choice"),
        ({"region": "999"}, "region", "Select a valid choice"),
        ({"from": "1850-01-01"}, "from", "Give a day between"),
    ],
)
def test_bad_filters_are_a_form_error(client_for, admin_user, query, field, message):
    response = client_for(admin_user).get(URL, query)

    assert response.status_code == 400
    assert message in str(
        response.context["form"].errors[{"from": "date_from", "to": "date_to"}.get(field, field)]
    )
    assertContains(response, message, status_code=400)
    assertNotContains(response, "By cohort", status_code=400)


def test_a_cohort_of_another_course_is_a_form_error(client_for, admin_user):
    course, other = make_course(), make_course()

    response = client_for(admin_user).get(
        URL, {"course": course.slug, "cohort": other.cohorts.get().pk}
    )

    assertContains(response, "not a run of the chosen course", status_code=400)


def test_charts_are_inline_svg_images_with_a_title(client_for, admin_user, min_cell):
    min_cell(1)
    course = make_course()
    enrolment(course, enrolled="2026-03-02", country="KE")

    response = client_for(admin_user).get(URL)

    page = response.content.decode()
    assert page.count('<svg class="chart"') == 7  # six breakdowns and months
    assert 'role="img"' in page and "<title id=" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def _participants(count: int) -> None:
    course = make_course(modules=1, lessons_per_module=2)
    quiz = make_empty_quiz(module=course.modules.get())
    for n in range(count):
        done = enrolment(
            course, enrolled="2026-03-02", completed="2026-03-20" if n % 2 else None,
            country=("KE", "NG", "FR", "PE", "")[n % 5], organisation_type="ngo",
        )  # fmt: skip
        lesson_done(done, "2026-03-05")
        attempt(done, quiz, "2026-03-06", score=80)
        if n % 2:
            certificate(done, issued="2026-03-21")


@pytest.mark.parametrize("count", [5, 50])
def test_the_page_needs_the_same_queries_for_5_or_50_participants(
    client_for, admin_user, django_assert_max_num_queries, count
):
    _participants(count)
    client = client_for(admin_user)

    with django_assert_max_num_queries(21):  # 9 on SQLite; PostgreSQL: a query per median, work_mem
        response = client.get(URL, {"from": "2026-01-01"})

    assert response.status_code == 200
