"""Deep Linking 2.0: an instructor's launch opens the picker; the choice goes back to the
platform as a JWT signed with the tool's key, naming the item and, when graded, a line item."""

import html
import json
import re

import jwt
import pytest
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


def test_an_instructor_picks_a_quiz_and_the_platform_gets_a_signed_link_to_it(
    client, platform, registration, course, django_assert_max_num_queries
):
    response = _deep_linking_launch(client, platform, registration)
    assert response.status_code == 302 and response["Location"] == "/lti/deep-linking/"
    quiz = Quiz.objects.filter(course=course).first()

    with django_assert_max_num_queries(8):
        picker = client.get("/lti/deep-linking/")
    assert picker.status_code == 200
    assert f'value="quiz:{quiz.pk}"' in picker.content.decode()
    assert 'value="module:buying-right/m2"' in picker.content.decode()

    answer = client.post("/lti/deep-linking/", {"target": f"quiz:{quiz.pk}"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f'action="{platform.url}/deep-links"' in page
    assert f"form-action 'self' {platform.url}" in answer["Content-Security-Policy"]
    token = html.unescape(re.search(r'name="JWT" value="([^"]+)"', page)[1])

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
    # One answer per request: the picker is gone.
    assert client.get("/lti/deep-linking/").status_code == 404


def test_a_module_is_linked_without_a_gradebook_column(client, platform, registration, course):
    _deep_linking_launch(client, platform, registration)
    answer = client.post("/lti/deep-linking/", {"target": "module:buying-right/m1"})
    token = html.unescape(re.search(r'name="JWT" value="([^"]+)"', answer.content.decode())[1])
    [item] = jwt.decode(token, options={"verify_signature": False})[DL + "content_items"]
    assert item["custom"] == {"elearn_target": "module:buying-right/m1"}
    assert "lineItem" not in item


def test_choosing_nothing_shows_the_picker_again(client, platform, registration, course):
    _deep_linking_launch(client, platform, registration)
    answer = client.post("/lti/deep-linking/", {"target": "course:no-such-course"})
    assert answer.status_code == 400
    assert client.get("/lti/deep-linking/").status_code == 200


def test_a_learner_cannot_choose_content(client, platform, registration, course):
    response = _deep_linking_launch(client, platform, registration, roles=[LEARNER])
    assert response.status_code == 403
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not Enrolment.objects.exists() and not CohortLink.objects.exists()


def test_the_picker_needs_a_deep_linking_launch(client, django_user_model, db):
    user = django_user_model.objects.create_user("someone@example.org")
    client.force_login(user)
    assert client.get("/lti/deep-linking/").status_code == 404
