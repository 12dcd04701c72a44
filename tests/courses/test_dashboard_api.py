"""GET /api/v1/cohorts/{id}/progress/ and .../at-risk/: the dashboard for BI tools."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import issue_api_token
from accounts.services.privacy import delete_account
from courses.models import Enrolment
from tests.factories import PASSWORD, enrol_user, make_cohort, make_course, make_user


@pytest.fixture
def cohort(facilitator):
    cohort = make_cohort(make_course(modules=2, quizzes_per_module=1), name="Lima 2026")
    cohort.facilitators.add(facilitator)
    return cohort


def join(cohort, *, active_days_ago=0, **fields):
    enrolment = enrol_user(make_user(**fields), cohort.course, cohort)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_activity_at=timezone.now() - timedelta(days=active_days_ago)
    )
    return enrolment


def progress_url(cohort):
    return f"/api/v1/cohorts/{cohort.pk}/progress/"


def at_risk_url(cohort):
    return f"/api/v1/cohorts/{cohort.pk}/at-risk/"


def test_a_facilitator_reads_the_matrix_with_a_token(api_client, cohort, facilitator):
    amina = join(cohort, full_name="Amina Diallo", country="SN")
    token = issue_api_token(facilitator).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    body = api_client.get(progress_url(cohort)).json()

    assert body["count"] == 1
    [row] = body["results"]
    assert row["enrolment"] == amina.pk
    assert row["name"] == "Amina Diallo"
    assert row["country"] == "SN"
    assert row["state"] == "not_started"
    assert len(row["modules"]) == 2
    assert row["modules"][0]["quizzes"][0]["attempts"] == 0


def test_the_matrix_filters_and_orders_as_the_page_does(api_client, cohort, facilitator):
    join(cohort, full_name="Amina Diallo", country="SN", active_days_ago=20)
    join(cohort, full_name="Bola Ade", country="NG")
    api_client.force_authenticate(facilitator)

    def names(**query):
        return [r["name"] for r in api_client.get(progress_url(cohort), query).json()["results"]]

    assert names(state="at_risk") == ["Amina Diallo"]
    assert names(country="ng") == ["Bola Ade"]
    assert names(sort="name", order="desc") == ["Bola Ade", "Amina Diallo"]


def test_at_risk_lists_the_longest_inactive_first(api_client, cohort, facilitator):
    join(cohort, full_name="Recent", active_days_ago=1)
    join(cohort, full_name="Idle", active_days_ago=10)
    join(cohort, full_name="Idler", active_days_ago=30)
    api_client.force_authenticate(facilitator)

    results = api_client.get(at_risk_url(cohort)).json()["results"]

    assert [r["name"] for r in results] == ["Idler", "Idle"]
    assert results[0]["at_risk_reasons"] == ["inactive"]


def test_a_deleted_account_is_shown_as_such_and_never_at_risk(api_client, cohort, facilitator):
    gone = join(cohort, full_name="Gone Away", active_days_ago=30)
    join(cohort, full_name="Idle", active_days_ago=30)
    delete_account(gone.user, password=PASSWORD)
    api_client.force_authenticate(facilitator)

    rows = api_client.get(progress_url(cohort)).json()["results"]
    at_risk = api_client.get(at_risk_url(cohort)).json()["results"]

    deleted = next(row for row in rows if row["enrolment"] == gone.pk)
    assert (deleted["name"], deleted["email"]) == ("Deleted account", "")
    assert deleted["at_risk_reasons"] == []
    assert [row["name"] for row in at_risk] == ["Idle"]


@pytest.mark.parametrize(
    "query",
    [
        {"state": "asleep"},
        {"sort": "shoe size"},
        {"order": "up"},
        {"country": "PERU"},
        {"country": "ZZ"},  # two letters, no country
    ],
)
def test_bad_filters_are_400(api_client, cohort, facilitator, query):
    api_client.force_authenticate(facilitator)

    response = api_client.get(progress_url(cohort), query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("url", [progress_url, at_risk_url])
@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 401),
        ("participant_of_cohort", 404),
        ("participant_elsewhere", 404),
        ("facilitator_elsewhere", 404),
        ("facilitator", 200),
        ("admin_user", 200),
    ],
)
def test_who_may_read_a_cohorts_progress(api_client, cohort, request, url, who, status):
    enrolment = join(cohort, email="amina@example.org", active_days_ago=30)
    if who == "participant_of_cohort":
        api_client.force_authenticate(enrolment.user)
    elif who == "participant_elsewhere":
        api_client.force_authenticate(enrol_user(make_user(), make_course()).user)
    elif who == "facilitator_elsewhere":
        other = make_cohort(make_course())
        user = make_user()
        other.facilitators.add(user)
        api_client.force_authenticate(user)
    elif who != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(who))

    response = api_client.get(url(cohort))

    assert response.status_code == status
    if status != 200:
        assert "amina@example.org" not in response.content.decode()


def test_an_unknown_cohort_is_404(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.get("/api/v1/cohorts/999999/progress/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("size", [3, 30])
def test_the_matrix_makes_a_bounded_number_of_queries(
    api_client, cohort, facilitator, django_assert_max_num_queries, size
):
    for _ in range(size):
        join(cohort)
    api_client.force_authenticate(facilitator)
    api_client.get(progress_url(cohort))

    with django_assert_max_num_queries(10):
        assert api_client.get(progress_url(cohort)).status_code == 200
