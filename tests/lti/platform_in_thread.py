"""A simulated LTI 1.3 platform in a thread, for full launches against the tool: its own RSA
key and key set (JWKS), id_tokens signed RS256 with it, an OAuth2 token endpoint that checks
the tool's signed client assertion against the tool's public keys, AGS line item score
endpoints that keep what they receive (and can be down), and an NRPS membership endpoint.
pylti1p3 fetches the key set, asks for tokens and posts scores over real HTTP."""

from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.http_in_thread import JsonHandler, ServerInThread

CLIENT_ID = "elearn-tool"
DEPLOYMENT_ID = "deployment-1"
CONTEXT_ID = "moodle-course-42"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TOKEN = "platform-access-token"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class PlatformInThread:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.tool_jwks: dict = {"keys": []}  # the tool's public keys, to check its assertions
        self.scores: dict[str, list[dict]] = {}  # line item path -> scores received
        self.token_requests: list[dict] = []
        self.down = False
        self.members: list[dict] = []
        platform = self

        class Handler(JsonHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                if path == "/jwks":
                    return self.answer(200, platform.jwks())
                if path == "/memberships":
                    if not self._authorised():
                        return self.answer(401, {"error": "no token"})
                    body = {
                        "id": "roster",
                        "context": {"id": CONTEXT_ID},
                        "members": platform.members,
                    }
                    return self.answer(200, body)
                return self.answer(404, {})

            def do_POST(self):
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    platform.token_requests.append(form)
                    if not platform.assertion_is_valid(form.get("client_assertion", "")):
                        return self.answer(401, {"error": "invalid_client"})
                    return self.answer(200, {"access_token": TOKEN, "token_type": "Bearer"})
                if path.startswith("/lineitems/") and path.endswith("/scores"):
                    if platform.down:
                        return self.answer(503, {"error": "down"})
                    if not self._authorised():
                        return self.answer(401, {"error": "no token"})
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self.answer(415, {"error": "content type"})
                    line_item = path.removesuffix("/scores")
                    platform.scores.setdefault(line_item, []).append(json.loads(raw))
                    return self.answer(200, {})
                return self.answer(404, {})

            def _authorised(self) -> bool:
                return self.headers.get("Authorization") == f"Bearer {TOKEN}"

        self.server = ServerInThread(Handler)
        self.url = self.server.base_url
        self.issuer = self.url  # a platform's issuer is its address

    # The platform's keys and tokens

    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def assertion_is_valid(self, assertion: str) -> bool:
        """The tool's client_credentials assertion: signed by a key of its JWKS, for us."""
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            keys = [k for k in self.tool_jwks["keys"] if k.get("kid") == kid] or self.tool_jwks[
                "keys"
            ]
            for key in keys:
                try:
                    claims = jwt.decode(
                        assertion, RSAAlgorithm.from_jwk(json.dumps(key)), algorithms=["RS256"],
                        audience=self.url + "/token",
                    )  # fmt: skip
                except jwt.InvalidTokenError:
                    continue
                return claims["iss"] == claims["sub"] == CLIENT_ID
        except jwt.InvalidTokenError:
            return False
        return False

    def claims(self, *, nonce: str, **overrides) -> dict:
        """The claims of a resource link launch by a learner, all the required ones, with AGS
        and NRPS; `overrides` replace claims (short names for the LTI ones), None removes."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "learner-1",
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": "Amina Diallo",
            "given_name": "Amina",
            "family_name": "Diallo",
            "email": "amina.diallo@example.org",
            CLAIM + "deployment_id": DEPLOYMENT_ID,
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": [LEARNER],
            CLAIM + "target_link_uri": "https://elearn.example.org/lti/launch/",
            CLAIM + "resource_link": {"id": "link-1", "title": "Procurement and human rights"},
            CLAIM + "context": {"id": CONTEXT_ID, "label": "PHR-101", "title": "Buying right"},
            CLAIM + "custom": {},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCORE_SCOPE],
                "lineitems": self.url + "/lineitems",
                "lineitem": self.url + "/lineitems/1",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.url + "/memberships",
                "service_versions": ["2.0"],
            },
        }
        for name, value in overrides.items():
            full = name if name in claims or (CLAIM + name) not in claims else CLAIM + name
            if value is None:
                claims.pop(full, None)
            else:
                claims[full] = value
        return claims

    def id_token(self, claims: dict, *, alg: str = "RS256", key=None) -> str:
        if alg == "none":
            return f"{_b64({'alg': 'none', 'kid': self.kid})}.{_b64(claims)}."
        return jwt.encode(claims, key or self.key, algorithm=alg, headers={"kid": self.kid})

    def member(self, sub: str, email: str, name: str, roles=(LEARNER,), status="Active") -> dict:
        return {
            "user_id": sub,
            "email": email,
            "name": name,
            "roles": list(roles),
            "status": status,
        }

    def close(self):
        self.server.close()


def new_nonce() -> str:
    return uuid.uuid4().hex
