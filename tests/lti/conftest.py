from urllib.parse import parse_qs, urlsplit

import pytest
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from lti.tool import ensure_tool_key
from tests.lti.platform_in_thread import CLIENT_ID, DEPLOYMENT_ID, PlatformInThread


@pytest.fixture
def platform(db):
    """A platform in a thread (tests/lti/platform_in_thread.py) that trusts the tool's key."""
    platform_ = PlatformInThread()
    ensure_tool_key()
    platform_.tool_jwks = Key.objects.as_jwks()
    yield platform_
    platform_.close()


@pytest.fixture
def registration(platform):
    """The platform as an admin registers it, with its one deployment."""
    registration_ = LtiRegistration.objects.create(
        name="Moodle of the Learning Lab",
        issuer=platform.issuer,
        client_id=CLIENT_ID,
        auth_url=platform.url + "/auth",
        token_url=platform.url + "/token",
        keyset_url=platform.url + "/jwks",
    )
    LtiDeployment.objects.create(
        registration=registration_, deployment_id=DEPLOYMENT_ID, is_active=True
    )
    return registration_


def start_login(client, platform, registration):
    """The platform's login initiation; returns the state and nonce of the redirect to its
    authorisation URL."""
    response = client.post(
        f"/lti/login/{registration.uuid}/",
        {
            "iss": platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "https://elearn.example.org/lti/launch/",
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        },
    )
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == platform.url + "/auth"
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["redirect_uri"] == "http://testserver/lti/launch/"
    return query["state"], query["nonce"]


def run_launch(client, platform, registration, *, token=None, alg="RS256", key=None, **claims):
    """A whole launch: login initiation, then the id_token posted to the launch URL, signed by
    the platform (claims as PlatformInThread.claims takes them; or `token`, a function of the
    nonce that makes the claims)."""
    state, nonce = start_login(client, platform, registration)
    body = token(nonce) if token else platform.claims(nonce=nonce, **claims)
    id_token = platform.id_token(body, alg=alg, key=key)
    return client.post("/lti/launch/", {"id_token": id_token, "state": state}), id_token, state
