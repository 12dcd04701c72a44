"""The statistics API: roles, bad input, suppression markers, the enrolment rows."""

import pytest

from accounts.services import issue_api_token
from tests.factories import make_course
from tests.reports.conftest import certificate, enrolment

SUMMARY = "/api/v1/reports/summary/"
COMPLETIONS = "/api/v1/reports/completions/"


@pytest.fixture
def data(db, min_cell):
    min_cell(1)
    course = make_course(slug="foundations")
    done = enrolment(course, enrolled="2026-03-02", completed="2026-03-20", country="KE",
                     organisation_type="ngo", full_name="Wanjiru Kamau")  # fmt: skip
    certificate(done, issued="2026-03-21")
    enrolment(course, enrolled="2026-03-05", country="PE")
    return course


@pytest.mark.parametrize("url", [SUMMARY, COMPLETIONS])
def test_anonymous_callers_are_refused(api_client, db, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [SUMMARY, COMPLETIONS])
@pytest.mark.parametrize("persona", ["participant", "facilitator"])
def test_participants_and_facilitators_are_refused(api_client, request, persona, url):
    api_client.force_authenticate(request.getfixturevalue(persona))

    response = api_client.get(url)

    # Out of reach is a 404, as on the pages: the endpoint's existence is not confirmed.
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("url", [SUMMARY, COMPLETIONS])
@pytest.mark.parametrize("method", ["post", "delete", "trace"])
def test_a_method_the_endpoint_lacks_is_a_405_for_everyone(api_client, participant, method, url):
    api_client.force_authenticate(participant)

    response = api_client.generic(method.upper(), url)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_admins_get_the_summary_with_a_token(api_client, admin_user, data):
    token = issue_api_token(admin_user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get(SUMMARY, {"group_by": "country", "from": "2026-03-01"})

    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["enrolments"] == {"value": 2, "suppressed": None}
    assert body["totals"]["completion_rate"] == {"value": 50.0, "suppressed": None}
    assert body["filters"] == {"from": "2026-03-01"}
    assert [(row["key"], row["label"]) for row in body["rows"]] == [("KE", "Kenya"), ("PE", "Peru")]


def test_suppressed_figures_are_null_with_a_marker(api_client, admin_user, data, min_cell):
    min_cell(5)
    api_client.force_authenticate(admin_user)

    body = api_client.get(SUMMARY, {"group_by": "course"}).json()

    assert body["min_cell"] == 5
    assert body["rows"][0]["figures"]["enrolments"] == {"value": None, "suppressed": "small"}


BAD = [
    ({"country": "XX"}, "country"),
    ({"from": "01/03/2026"}, "from"),  # ISO dates only: 1 March or 3 January?
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ({"course": "nope"}, "course"),
    ({"cohort": "abc"}, "cohort"),
]


@pytest.mark.parametrize(
    ("url", "query", "parameter"),
    [(SUMMARY, {"group_by": "participant"}, "group_by")]
    + [(url, query, parameter) for url in (SUMMARY, COMPLETIONS) for query, parameter in BAD],
)
def test_bad_parameters_are_a_400_naming_them(api_client, admin_user, data, url, query, parameter):
    api_client.force_authenticate(admin_user)

    response = api_client.get(url, query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["detail"]) == [parameter]


def test_completions_list_each_enrolment_with_its_certificate(api_client, admin_user, data):
    api_client.force_authenticate(admin_user)

    response = api_client.get(COMPLETIONS, {"country": "KE"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "Wanjiru Kamau" and row["course"] == "foundations"
    assert (row["country"], row["region"], row["subregion"]) == ("KE", "002", "202")
    assert row["status"] == "completed" and row["certificate"]["status"] == "issued"


@pytest.mark.parametrize("count", [5, 50])
def test_completions_need_the_same_queries_for_5_or_50(
    api_client, admin_user, django_assert_max_num_queries, count
):
    course = make_course()
    for n in range(count):
        done = enrolment(course, enrolled="2026-03-02", completed="2026-03-09", country="KE")
        if n % 2:
            certificate(done, issued="2026-03-10")
    api_client.force_authenticate(admin_user)

    with django_assert_max_num_queries(4):
        response = api_client.get(COMPLETIONS)

    assert response.status_code == 200 and response.json()["count"] == count


def test_the_summary_needs_the_same_queries_for_any_size(
    api_client, admin_user, data, django_assert_max_num_queries
):
    api_client.force_authenticate(admin_user)

    with django_assert_max_num_queries(17):  # 5 on SQLite; PostgreSQL: a query per median, work_mem
        response = api_client.get(SUMMARY, {"group_by": "month"})

    assert response.status_code == 200
