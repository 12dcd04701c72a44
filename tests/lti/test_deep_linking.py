"""Deep Linking 2.0: an instructor's launch opens the picker; the choice goes back to the
platform as a JWT signed with the tool's key, naming the item and, when graded, a line item."""

import html
import json
import re
import time

import jwt
import pytest
from django.core import signing
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from courses.models import Enrolment
from lti.models import CohortLink
from quizzes.models import Quiz
from tests.factories import make_course
from tests.lti.conftest import run_launch
from tests.lti.platform_in_thread import CLIENT_ID, INSTRUCTOR, LEARNER

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def course(db):
    return make_course(slug="buying-right", modules=2, quizzes_per_module=1)


def _deep_linking_launch(client, platform, registration, roles=(INSTRUCTOR,)):
    return run_launch(
        client, platform, registration, roles=list(roles), sub="teacher-1",
        email="teacher@example.org", message_type="LtiDeepLinkingRequest", resource_link=None,
        **{DL + "deep_linking_settings": {
            "deep_link_return_url": platform.url + "/deep-links",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["window"],
            "data": "opaque-platform-data",
        }},
    )[0]  # fmt: skip


def _request_token(picker) -> str:
    return html.unescape(re.search(r'name="request" value="([^"]+)"', picker.content.decode())[1])


def _jwt(answer) -> str:
    return html.unescape(re.search(r'name="JWT" value="([^"]+)"', answer.content.decode())[1])


def test_an_instructor_picks_a_quiz_and_the_platform_gets_a_signed_link_to_it(
    client, platform, registration, course
):
    picker = _deep_linking_launch(client, platform, registration)
    assert picker.status_code == 200
    quiz = Quiz.objects.filter(course=course).first()
    assert f'value="quiz:{quiz.pk}"' in picker.content.decode()
    assert 'value="module:buying-right/m2"' in picker.content.decode()
    # Platforms open content selection in a dialog: this page, and it alone, may be framed by
    # the platform, and its form posts there.
    assert f"frame-ancestors 'self' {platform.url}" in picker["Content-Security-Policy"]
    assert "X-Frame-Options" not in picker

    # In the platform's frame no cookie of ours comes back: the signed request is enough.
    answer = Client().post(
        "/lti/deep-linking/", {"request": _request_token(picker), "target": f"quiz:{quiz.pk}"}
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f'action="{platform.url}/deep-links"' in page
    assert f"form-action 'self' {platform.url}" in answer["Content-Security-Policy"]
    token = _jwt(answer)

    [key] = client.get("/lti/jwks/").json()["keys"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(
        token, RSAAlgorithm.from_jwk(json.dumps(key)), algorithms=["RS256"],
        audience=platform.issuer, issuer=CLIENT_ID,
    )  # fmt: skip
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingResponse"
    )
    assert claims[DL + "data"] == "opaque-platform-data"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == quiz.title
    assert item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == {"elearn_target": f"quiz:{quiz.pk}"}
    assert item["lineItem"]["scoreMaximum"] == 100


def test_a_module_is_linked_without_a_gradebook_column(client, platform, registration, course):
    picker = _deep_linking_launch(client, platform, registration)
    answer = client.post(
        "/lti/deep-linking/",
        {"request": _request_token(picker), "target": "module:buying-right/m1"},
    )
    [item] = jwt.decode(_jwt(answer), options={"verify_signature": False})[DL + "content_items"]
    assert item["custom"] == {"elearn_target": "module:buying-right/m1"}
    assert "lineItem" not in item


def test_choosing_nothing_shows_the_picker_again(client, platform, registration, course):
    picker = _deep_linking_launch(client, platform, registration)
    answer = client.post(
        "/lti/deep-linking/", {"request": _request_token(picker), "target": "course:no-such"}
    )
    assert answer.status_code == 400
    assert 'value="course:buying-right"' in answer.content.decode()


def test_a_learner_cannot_choose_content(client, platform, registration, course):
    response = _deep_linking_launch(client, platform, registration, roles=[LEARNER])
    assert response.status_code == 403
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not Enrolment.objects.exists() and not CohortLink.objects.exists()


@pytest.mark.parametrize("forged", ["", "not-signed", "eyJkZXBsb3ltZW50IjoxfQ:1abc:forged"])
def test_a_choice_without_a_request_we_signed_is_refused(client, forged, db):
    answer = client.post("/lti/deep-linking/", {"request": forged, "target": "course:x"})
    assert answer.status_code == 400
    assert "JWT" not in answer.content.decode()


def test_a_request_older_than_an_hour_is_refused(
    client, platform, registration, course, monkeypatch
):
    picker = _deep_linking_launch(client, platform, registration)
    two_hours_later = time.time() + 7200
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: two_hours_later)
        answer = client.post(
            "/lti/deep-linking/",
            {"request": _request_token(picker), "target": "course:buying-right"},
        )
    assert answer.status_code == 400


@pytest.mark.parametrize("courses", [1, 6])
def test_the_picker_reads_a_bounded_number_of_queries(
    client, platform, registration, course, courses, django_assert_max_num_queries
):
    for _ in range(courses):
        make_course(modules=3, quizzes_per_module=2)
    picker = _deep_linking_launch(client, platform, registration)
    with django_assert_max_num_queries(4):  # the courses, their modules, their quizzes
        again = Client().post("/lti/deep-linking/", {"request": _request_token(picker)})
    assert again.status_code == 400  # nothing chosen: the picker again, with every course
    # Each course, each of its modules and quizzes: 1 + 2 + 2 here, 1 + 3 + 6 each other.
    assert again.content.decode().count('name="target"') == 5 + 10 * courses
