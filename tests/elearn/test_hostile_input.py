"""Hostile and careless input: every request gets a clear 4xx and changes nothing.

The reproductions of issue 13, on every backend (CI runs them on SQLite and on PostgreSQL, where
text cannot hold NUL): blank optional fields, bodies nested or sized to exhaust the parser, text
the database or a PDF cannot hold, NUL in paths and query strings.
"""

import json

import pytest
from django.urls import reverse

from courses.models import Course
from quizzes.models import Attempt, QuestionType
from quizzes.services import start_attempt
from tests.factories import make_user
from tests.quizzes.factories import add_short_answer, enrol_in, make_empty_quiz

ME_URL = "/api/v1/me/"

# Text the database cannot store (PostgreSQL refuses NUL in text and in jsonb), that no encoder
# can write (a lone surrogate) or that names no character (non-characters).
UNSTORABLE = ["a\x00b", "\ud800", "x\udfffy", "\ufffe", "\U0010ffff", "\ufdd0"]


def raw_json(value) -> str:
    """JSON with every non-ASCII character escaped, so lone surrogates travel as \\udXXX."""
    return json.dumps(value, ensure_ascii=True)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- The profile ------------------------------------------------------------------------------


def test_profile_with_a_blank_country_can_be_read(api_client, db):
    user = make_user(full_name="Amina Diallo", country="")
    api_client.force_authenticate(user)

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["country"] == ""


def test_an_empty_profile_change_changes_nothing(api_client, db):
    user = make_user(full_name="Amina Diallo", country="")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {}, format="json")

    assert response.status_code == 200
    assert response.json()["full_name"] == "Amina Diallo"


def test_the_country_can_be_cleared(api_client, db):
    user = make_user(full_name="Amina Diallo", country="SN")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {"country": ""}, format="json")

    assert response.status_code == 200
    assert response.json()["country"] == ""
    user.refresh_from_db()
    assert user.country == ""


def test_the_country_is_read_as_its_code(api_client, db):
    user = make_user(full_name="Amina Diallo", country="SN")
    api_client.force_authenticate(user)

    assert api_client.get(ME_URL).json()["country"] == "SN"
    assert api_client.patch(ME_URL, {"country": "ZZ"}, format="json").status_code == 400


@pytest.mark.parametrize("value", UNSTORABLE)
def test_profile_text_the_database_cannot_hold_is_refused_naming_the_field(api_client, db, value):
    user = make_user(full_name="Amina Diallo", organisation="NHRI")
    api_client.force_authenticate(user)

    response = api_client.patch(
        ME_URL, raw_json({"organisation": value}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "organisation" in response.json()["detail"]
    user.refresh_from_db()
    assert user.organisation == "NHRI"
    assert api_client.get(ME_URL).status_code == 200


def test_a_key_the_database_cannot_hold_is_refused(api_client, db):
    api_client.force_authenticate(make_user())

    response = api_client.patch(ME_URL, raw_json({"a\x00": "x"}), content_type="application/json")

    assert response.status_code == 400


# --- Bodies built to exhaust the parser -------------------------------------------------------


@pytest.mark.parametrize("depth", [50_000, 100])
def test_a_deeply_nested_profile_body_is_refused(api_client, db, depth):
    user = make_user(full_name="Amina Diallo")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, nested(depth), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    user.refresh_from_db()
    assert user.full_name == "Amina Diallo"


def test_a_body_over_the_size_limit_is_refused(api_client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    user = make_user(full_name="Amina Diallo")
    api_client.force_authenticate(user)

    body = raw_json({"organisation": "x" * 20_000})
    response = api_client.patch(ME_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    user.refresh_from_db()
    assert user.organisation == ""


def test_malformed_json_is_a_parse_error(api_client, db):
    api_client.force_authenticate(make_user())

    response = api_client.patch(ME_URL, '{"organisation": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- Quiz answers -----------------------------------------------------------------------------


@pytest.fixture
def attempt(db, participant):
    quiz = make_empty_quiz(pass_mark=50)
    add_short_answer(quiz)
    enrol_in(participant, quiz.course)
    attempt, _created = start_attempt(participant, quiz)
    return attempt


def short_answer_id(attempt) -> str:
    return str(attempt.quiz.questions.get(type=QuestionType.SHORT_ANSWER).pk)


def test_a_deeply_nested_answers_body_is_refused(api_client, participant, attempt):
    api_client.force_authenticate(participant)

    response = api_client.patch(
        f"/api/v1/attempts/{attempt.pk}/", nested(50_000), content_type="application/json"
    )

    assert response.status_code == 400
    assert api_client.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 200


@pytest.mark.parametrize("value", UNSTORABLE)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_an_answer_the_database_cannot_hold_is_refused_and_the_attempt_stays_readable(
    api_client, participant, attempt, value, action
):
    api_client.force_authenticate(participant)
    body = raw_json({"answers": {short_answer_id(attempt): value}})
    url = f"/api/v1/attempts/{attempt.pk}/" + ("submit/" if action == "submit" else "")
    send = api_client.post if action == "submit" else api_client.patch

    response = send(url, body, content_type="application/json")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert short_answer_id(attempt) in detail["answers"]
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.answers == {}
    assert stored.status == "in_progress"
    assert api_client.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 200
    submitted = api_client.post(f"/api/v1/attempts/{attempt.pk}/submit/", format="json")
    assert submitted.status_code == 200


def test_an_answer_with_nul_on_the_quiz_page_is_refused(client, participant, attempt):
    client.force_login(participant)
    url = reverse("attempt-detail", args=[attempt.pk])

    response = client.post(url, {"action": "submit", f"q-{short_answer_id(attempt)}": "a\x00b"})

    assert response.status_code == 400
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.answers == {}
    assert stored.status == "in_progress"
    assert client.get(url).status_code == 200


# --- NUL in paths and query strings -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/courses/%00/",
        "/api/v1/cohorts/?course=%00",
        "/api/v1/certificates/verify/%00/",
        "/certificates/verify/?code=%00",
        "/certificates/verify/a%00b/",
        "/courses/%00/",
        "/?q=%00",
    ],
)
def test_nul_in_a_path_or_query_string_is_a_client_error(client, db, url):
    response = client.get(url)

    assert 400 <= response.status_code < 500


def test_nul_in_a_path_or_query_string_is_a_client_error_signed_in(api_client, db, participant):
    api_client.force_authenticate(participant)

    assert api_client.get("/api/v1/enrolments/?cohort=%00").status_code == 400
    assert api_client.get("/api/v1/courses/%00/").status_code in (400, 404)


def test_nul_in_an_api_query_answers_the_api_error_shape(api_client, db):
    response = api_client.get("/api/v1/cohorts/?course=%00")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "course" in response.json()["detail"]


def test_nul_in_a_page_form_is_refused_and_changes_nothing(client, db):
    user = make_user(full_name="Amina Diallo", organisation="NHRI")
    client.force_login(user)

    response = client.post(
        reverse("profile"),
        {"full_name": "Amina Diallo", "organisation": "a\x00b", "organisation_type": "nhri"},
    )

    assert 400 <= response.status_code < 500 or "NUL" in response.content.decode()
    user.refresh_from_db()
    assert user.organisation == "NHRI"


def test_an_unknown_course_slug_is_a_404(api_client, db):
    assert not Course.objects.filter(slug="nope").exists()
    assert api_client.get("/api/v1/courses/nope/").status_code == 404


# --- Cookies and headers ----------------------------------------------------------------------


def test_a_session_cookie_holding_nul_is_ignored(client, db):
    # Browsers may send "\000" in a quoted cookie, which Django decodes to NUL.
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"

    assert client.get("/learning/").status_code == 302  # to sign in, as with no session


def test_signed_in_with_a_stray_cookie_holding_nul_still_works(client, db):
    user = make_user(full_name="Amina Diallo")
    client.force_login(user)
    client.cookies["stray"] = "a\x00b"

    assert client.get("/learning/").status_code == 200


def test_a_token_holding_nul_is_refused(api_client, db):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token abc\x00def")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_token_that_is_not_utf8_is_refused_with_401(api_client, db):
    # The header arrives as Latin-1: "é" alone is not UTF-8 (knox alone would answer a 500).
    response = api_client.get(
        "/api/v1/me/", HTTP_AUTHORIZATION="Token abc\xe9", HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "detail": "En-tête de jeton non valide : le jeton ne doit contenir aucun caractère non "
        "valide.",
    }


# --- Addresses that match no route ------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/quizzes/null,null/", "/api/v1/enrolments/0.5/withdraw/", "/api/v1/nothing/"]
)
def test_an_api_address_that_matches_nothing_answers_the_api_error_shape(api_client, db, url):
    response = api_client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_page_address_that_matches_nothing_is_the_not_found_page(client, db):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
