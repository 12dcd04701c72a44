"""POST /api/v1/cohorts/{id}/messages/ and GET /api/v1/messages/{id}/: messaging a cohort's
participants from a program, and each delivery's status."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import issue_api_token
from courses.models import CohortMessage, Enrolment, MessageDelivery
from courses.services.enrolment import withdraw
from courses.services.messages import MAX_BODY_LENGTH, send_cohort_message
from tests.factories import enrol_user, make_cohort, make_course, make_user


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


def messages_url(cohort):
    return f"/api/v1/cohorts/{cohort.pk}/messages/"


def message_url(message_id):
    return f"/api/v1/messages/{message_id}/"


def payload(**fields):
    return {
        "audience": "all",
        "subject": "Module 2 is open",
        "body": "Read **the case study** before Friday.",
        **fields,
    }


def post(api_client, cohort, key=None, **fields):
    return api_client.post(
        messages_url(cohort),
        payload(**fields),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def test_a_facilitator_messages_the_cohort_with_a_token(
    api_client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    join(cohort, email="bola@example.org")
    token = issue_api_token(facilitator).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, cohort)

    assert response.status_code == 201
    body = response.json()
    assert body["cohort"] == cohort.pk and body["sent_by"] == facilitator.pk
    assert body["audience"] == "all" and body["recipients"] == 2
    assert body["subject"] == "Module 2 is open"
    assert "<strong>the case study</strong>" in body["body_html"]
    # The emails go after commit: the answer counts them queued.
    assert body["counts"] == {"queued": 2, "sent": 0, "failed": 0, "skipped": 0}
    assert sorted(m.to[0] for m in mailoutbox) == ["amina@example.org", "bola@example.org"]

    status = api_client.get(message_url(body["id"])).json()
    assert status["counts"] == {"queued": 0, "sent": 2, "failed": 0, "skipped": 0}
    assert {d["email"]: d["status"] for d in status["deliveries"]} == {
        "amina@example.org": "sent",
        "bola@example.org": "sent",
    }
    assert all(d["sent_at"] and d["language"] == "en" for d in status["deliveries"])


def test_the_at_risk_and_selected_audiences(
    api_client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    idle = join(cohort, email="idle@example.org", active_days_ago=30)
    busy = join(cohort, email="busy@example.org")
    api_client.force_authenticate(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        at_risk = post(api_client, cohort, audience="at_risk")
        selected = post(api_client, cohort, audience="selected", enrolments=[busy.pk])

    assert (at_risk.status_code, selected.status_code) == (201, 201)
    assert at_risk.json()["recipients"] == selected.json()["recipients"] == 1
    assert [m.to[0] for m in mailoutbox] == ["idle@example.org", "busy@example.org"]
    assert idle.pk != busy.pk


@pytest.mark.parametrize("where", ["header", "field"])
def test_the_same_key_again_returns_the_first_message_and_sends_nothing_more(
    api_client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks, where
):
    join(cohort)
    api_client.force_authenticate(facilitator)
    key = str(uuid.uuid4())

    def send():
        if where == "header":
            return post(api_client, cohort, key=key)
        return api_client.post(messages_url(cohort), payload(request_key=key), format="json")

    with django_capture_on_commit_callbacks(execute=True):
        first = send()
        again = send()

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert CohortMessage.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_key_reused_for_another_message_is_422(api_client, cohort, facilitator):
    join(cohort)
    api_client.force_authenticate(facilitator)
    key = str(uuid.uuid4())
    post(api_client, cohort, key=key)

    response = post(api_client, cohort, key=key, subject="Something else")

    assert response.status_code == 422
    assert response.json()["code"] == "request_key_reused"
    assert CohortMessage.objects.count() == 1


def test_withdrawn_participants_are_skipped_and_shown_so(
    api_client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    leaving = join(cohort, email="leaving@example.org")
    join(cohort, email="staying@example.org")
    api_client.force_authenticate(facilitator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_id = post(api_client, cohort).json()["id"]
    withdraw(leaving, by=facilitator)
    for callback in callbacks:  # the task runs after the withdrawal
        callback()

    status = api_client.get(message_url(message_id)).json()

    assert status["counts"] == {"queued": 0, "sent": 1, "failed": 0, "skipped": 1}
    assert [m.to[0] for m in mailoutbox] == ["staying@example.org"]


@pytest.mark.parametrize(
    "fields, key, code",
    [
        ({"subject": ""}, "subject", "invalid"),
        ({"subject": "x" * 201}, "subject", "invalid"),
        ({"body": ""}, "body", "invalid"),
        ({"body": "   \n  "}, None, "invalid_message"),
        ({"body": "x" * (MAX_BODY_LENGTH + 1)}, "body", "invalid"),
        ({"audience": "friends"}, "audience", "invalid"),
        ({"audience": "selected"}, None, "invalid_message"),
        ({"audience": "selected", "enrolments": ["foreign"]}, None, "invalid_message"),
        ({"audience": "selected", "enrolments": ["x"]}, "enrolments", "invalid"),
        ({"audience": "at_risk"}, None, "no_recipients"),
    ],
)
def test_bad_input_is_400_and_sends_nothing(
    api_client,
    cohort,
    facilitator,
    mailoutbox,
    django_capture_on_commit_callbacks,
    fields,
    key,
    code,
):
    join(cohort)
    foreign = enrol_user(make_user(), make_course())
    if fields.get("enrolments") == ["foreign"]:
        fields = {**fields, "enrolments": [foreign.pk]}
    api_client.force_authenticate(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, cohort, **fields)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    if key:
        assert key in body["detail"]  # the field is named
    assert not CohortMessage.objects.exists() and not MessageDelivery.objects.exists()
    assert mailoutbox == []


def test_a_body_of_10_mb_is_refused_whole(api_client, cohort, facilitator, mailoutbox):
    join(cohort)
    api_client.force_authenticate(facilitator)

    response = post(api_client, cohort, body="x" * (10 * 1024 * 1024))

    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail"}
    assert not CohortMessage.objects.exists() and mailoutbox == []


def test_a_request_key_is_required(api_client, cohort, facilitator):
    join(cohort)
    api_client.force_authenticate(facilitator)

    missing = api_client.post(messages_url(cohort), payload(), format="json")
    differing = api_client.post(
        messages_url(cohort),
        payload(request_key="one"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="two",
    )

    for response in (missing, differing):
        assert response.status_code == 400
        assert "request_key" in response.json()["detail"]
    assert not CohortMessage.objects.exists()


def as_who(api_client, who, *, cohort, enrolment, request):
    if who == "participant_of_cohort":
        api_client.force_authenticate(enrolment.user)
    elif who == "participant_elsewhere":
        api_client.force_authenticate(enrol_user(make_user(), make_course()).user)
    elif who == "facilitator_elsewhere":
        user = make_user()
        make_cohort(make_course()).facilitators.add(user)
        api_client.force_authenticate(user)
    elif who != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(who))


MATRIX = [
    ("anonymous", 401, 401),
    ("participant_of_cohort", 404, 404),
    ("participant_elsewhere", 404, 404),
    ("facilitator_elsewhere", 404, 404),
    ("facilitator", 201, 200),
    ("admin_user", 201, 200),
]


@pytest.mark.parametrize("who, post_status, get_status", MATRIX)
def test_who_may_message_a_cohort_and_read_a_message(
    api_client, cohort, facilitator, request, mailoutbox, who, post_status, get_status
):
    enrolment = join(cohort, email="amina@example.org")
    message, _created = send_cohort_message(
        cohort,
        by=facilitator,
        audience="all",
        subject="Secret subject",
        body="b",
        request_key=str(uuid.uuid4()),
    )
    as_who(api_client, who, cohort=cohort, enrolment=enrolment, request=request)

    sent = post(api_client, cohort)
    read = api_client.get(message_url(message.pk))

    assert (sent.status_code, read.status_code) == (post_status, get_status)
    if get_status != 200:
        assert "amina@example.org" not in read.content.decode()
        assert "Secret subject" not in read.content.decode()
        assert CohortMessage.objects.count() == 1


def test_a_facilitator_removed_from_the_cohort_loses_access_at_once(
    api_client, cohort, facilitator
):
    join(cohort)
    api_client.force_authenticate(facilitator)
    message_id = post(api_client, cohort).json()["id"]

    cohort.facilitators.remove(facilitator)

    assert api_client.get(message_url(message_id)).status_code == 404
    assert post(api_client, cohort).status_code == 404
    assert CohortMessage.objects.count() == 1


def test_unknown_cohorts_and_messages_are_404(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    for response in (
        api_client.get(message_url(999999)),
        api_client.post("/api/v1/cohorts/999999/messages/", payload(), format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("size", [5, 50])
def test_the_api_makes_a_bounded_number_of_queries(
    api_client, cohort, facilitator, django_assert_max_num_queries, size
):
    for _ in range(size):
        join(cohort)
    api_client.force_authenticate(facilitator)
    message_id = post(api_client, cohort).json()["id"]

    with django_assert_max_num_queries(6):
        assert api_client.get(message_url(message_id)).status_code == 200
    with django_assert_max_num_queries(12):
        assert post(api_client, cohort).status_code == 201
