"""A certificate's OpenBadgeCredential (Open Badges 3.0 on the VC Data Model 2.0) and its
signature as a VC-JWT: a compact JWS whose payload is the credential itself ("Securing
Verifiable Credentials using JOSE and COSE"), signed with Ed25519 (alg EdDSA) by PyJWT.

What it says is frozen from the certificate record; the achievement's words are in the
course's language. docs/open-badges.md shows a decoded example.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from decimal import Decimal

import jwt
from django.utils import formats, translation
from django.utils.translation import gettext as _

from elearn.emails import absolute_url

from ..models import Certificate
from .keys import Signer, site_did, status_list_url
from .models import Credential

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
JWS_TYPE = "vc+jwt"
ALGORITHM = "EdDSA"


def utc_timestamp(moment: datetime) -> str:
    """A moment as credentials write it: UTC, to the second (2026-05-13T09:30:00Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' hashed identity: sha256$ and the hex SHA-256 of the address and the salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def hours_text(hours: Decimal) -> str:
    """Hours as the active language writes them, without a needless ".0" (6, 6,5 in French)."""
    return formats.number_format(Decimal(format(hours.normalize(), "f")))


def build_credential(
    certificate: Certificate, credential: Credential, *, email: str, course_url: str
) -> dict:
    """The OpenBadgeCredential of this certificate for this credential record (id, status
    index, issue time), naming the recipient by a salted hash of `email`, not the address."""
    did = site_did()
    salt = secrets.token_hex(8)
    with translation.override(certificate.course_language):
        description = _("Completion of the course “%(course)s”.") % {
            "course": certificate.course_title
        }
        if certificate.hours:
            description += " " + _("Estimated study time: %(hours)s hours.") % {
                "hours": hours_text(certificate.hours)
            }
        narrative = _(
            "Every required lesson of the course completed and every required quiz passed."
        )
    status_url = status_list_url()
    issued = int(credential.issued_at.timestamp())
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": certificate.issuing_organisation,
            "url": absolute_url("/"),
        },
        "validFrom": utc_timestamp(credential.issued_at),
        "name": certificate.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": course_url,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": certificate.course_title,
                "description": description,
                "criteria": {"narrative": narrative},
                "inLanguage": certificate.course_language,
            },
        },
        "credentialStatus": {
            "id": f"{status_url}#{credential.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(credential.status_index),
            "statusListCredential": status_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        # JWT registered claims mirroring the credential, for OB 3.0 VC-JWT verifiers.
        "iss": did,
        "jti": credential.credential_id,
        "nbf": issued,
        "iat": issued,
    }


def sign(payload: dict, signer: Signer) -> str:
    """The payload as a compact JWS (VC-JWT), signed with the key; its kid names the key in
    the site's DID document."""
    headers = {"typ": JWS_TYPE, "cty": "vc", "kid": f"{site_did()}#{signer.kid}"}
    return jwt.encode(payload, signer.private_key, algorithm=ALGORITHM, headers=headers)
