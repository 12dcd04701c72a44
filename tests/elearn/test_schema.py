"""The OpenAPI schema documents the errors the API really answers, and its answers fit it."""

import jsonschema
import pytest

from tests.factories import enrol_user, make_cohort, make_course
from tests.quizzes.factories import add_single_choice, enrol_in, make_empty_quiz

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def assert_fits(schema, name, response):
    """The response's JSON fits what operation `name` documents for its status (OpenAPI 3.0's
    `nullable` read as JSON Schema's null type)."""

    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node

    documented = dict(operations(schema))[name]["responses"][str(response.status_code)]
    response_schema = documented["content"]["application/json"]["schema"]
    jsonschema.validate(
        response.json(),
        {**convert(response_schema), "components": convert(schema["components"])},
        cls=jsonschema.Draft202012Validator,
    )


def test_every_operation_documents_its_errors_with_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail"]
    for name, operation in operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        assert "400" in errors, name  # text that cannot be stored is refused everywhere
        # A request line too long for gunicorn is refused by it, before the API, in HTML.
        too_long = errors.pop("414")
        assert set(too_long["content"]) == {"text/html"}, name
        for status, response in errors.items():
            assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (
                name,
                status,
            )
            assert response["description"], (name, status)


def test_each_error_status_is_documented_where_it_can_happen(schema):
    documented = {name: set(op["responses"]) for name, op in operations(schema)}
    # Throttled views, and only they, answer 429 (with Retry-After).
    throttled = {name for name, statuses in documented.items() if "429" in statuses}
    assert throttled == {
        "POST /api/v1/auth/token/",
        "GET /api/v1/certificates/verify/{code}/",
        "POST /api/v1/credentials/verify/",
    }
    for name in throttled:
        headers = dict(operations(schema))[name]["responses"]["429"]["headers"]
        assert "Retry-After" in headers
    # Token authentication comes first and names its challenge: missing or bad credentials are
    # 401; 403 is for someone signed in (a permission, a domain rule, a session without CSRF).
    assert {"401", "404"} <= documented["GET /api/v1/enrolments/{id}/"]
    assert "401" in documented["GET /api/v1/courses/"]  # a token that is not valid
    assert not {"401", "403"} & documented["POST /api/v1/auth/token/"]  # reads no credentials
    assert not {"401", "403"} & documented["GET /api/v1/certificates/verify/{code}/"]
    assert not {"401", "403"} & documented["POST /api/v1/credentials/verify/"]
    assert "403" not in documented["GET /api/v1/enrolments/{id}/"]
    assert "403" in documented["PATCH /api/v1/me/"]  # a session's CSRF check
    assert "403" not in documented["GET /api/v1/reports/summary/"]  # StaffOnly answers 404
    assert "403" not in documented["POST /api/v1/auth/logout/"]  # a token only: no CSRF
    assert "404" not in documented["GET /api/v1/me/"]  # no path parameter, no page
    assert "404" in documented["GET /api/v1/courses/"]  # ?page= out of range
    assert "415" in documented["PATCH /api/v1/me/"]
    assert "415" not in documented["GET /api/v1/me/"]


def test_the_domain_rules_an_operation_can_break_are_documented_with_their_codes(schema):
    responses = dict(operations(schema))["POST /api/v1/enrolments/"]["responses"]
    for code in ("enrolment_closed", "cohort_full", "already_enrolled"):
        assert f"`{code}`" in responses["409"]["description"]
    assert "`wrong_enrolment_key`" in responses["403"]["description"]
    assert "`not_authenticated`" in responses["401"]["description"]
    assert "CSRF" in responses["403"]["description"]
    submit = dict(operations(schema))["POST /api/v1/attempts/{id}/submit/"]["responses"]
    assert "`already_submitted`" in submit["409"]["description"]


def test_a_withdrawn_enrolment_without_progress_fits_the_schema(schema, api_client, participant):
    enrolment = enrol_user(participant, make_course())
    api_client.force_authenticate(participant)

    withdrawn = api_client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw/")
    read = api_client.get(f"/api/v1/enrolments/{enrolment.pk}/")

    assert withdrawn.status_code == read.status_code == 200
    assert read.json()["status"] == "withdrawn" and read.json()["progress"] is None
    assert_fits(schema, "POST /api/v1/enrolments/{id}/withdraw/", withdrawn)
    assert_fits(schema, "GET /api/v1/enrolments/{id}/", read)


def test_errors_fit_the_error_schema(schema, api_client, participant):
    quiz = make_empty_quiz()
    add_single_choice(quiz)
    enrol_in(participant, quiz.course)
    closed = make_cohort(quiz.course, enrolment_open=False)
    api_client.force_authenticate(participant)
    attempt = api_client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/", format="json").json()

    answers = {"answers": {"999999": "a question not in this attempt"}}
    missing_field = api_client.post("/api/v1/enrolments/", {})
    bad_answer = api_client.patch(f"/api/v1/attempts/{attempt['id']}/", answers, format="json")
    closed_cohort = api_client.post("/api/v1/enrolments/", {"cohort": closed.pk})
    not_found = api_client.get("/api/v1/enrolments/999999/")

    assert missing_field.status_code == bad_answer.status_code == 400
    assert closed_cohort.status_code == 409 and not_found.status_code == 404
    assert bad_answer.json()["detail"] == {  # field -> field -> messages
        "answers": {"999999": ["This question is not part of this attempt."]}
    }
    assert_fits(schema, "POST /api/v1/enrolments/", missing_field)  # field -> messages
    assert_fits(schema, "PATCH /api/v1/attempts/{id}/", bad_answer)
    assert_fits(schema, "POST /api/v1/enrolments/", closed_cohort)  # a message
    assert_fits(schema, "GET /api/v1/enrolments/{id}/", not_found)
