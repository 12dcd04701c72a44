"""Checking a credential that comes from outside (the verification page's form and
POST /api/v1/credentials/verify/). It is hostile until checked: its size, its form, its
algorithm (EdDSA only: never "none"), its key (one of the site's, by kid), its signature, and
then the record it claims to be. Reads only: checking changes nothing."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

import jwt
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import CertificateStatus
from .building import ALGORITHM
from .keys import public_key_from_jwk, site_did
from .models import Credential, SigningKey

MAX_CREDENTIAL_CHARS = 20_000  # a credential is about 2-3 KB; anything far larger is not one
ENVELOPE_PREFIX = "data:application/vc+jwt,"
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class CredentialState(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Replaced by a newer credential")
    TAMPERED = "tampered", _("Altered or not signed by this site")
    UNKNOWN_ISSUER = "unknown_issuer", _("Not issued by this site")
    MALFORMED = "malformed", _("Not a credential")


# States of a credential this site issued, whatever became of it since.
GENUINE = {CredentialState.VALID, CredentialState.REVOKED, CredentialState.SUPERSEDED}


@dataclass(frozen=True)
class CredentialCheck:
    state: CredentialState
    credential: Credential | None = None

    @property
    def genuine(self) -> bool:
        return self.state in GENUINE


def verify_credential(text: str) -> CredentialCheck:
    """What a pasted credential is: the EnvelopedVerifiableCredential JSON this site hands
    out, or the compact JWS alone."""
    if not isinstance(text, str) or len(text) > MAX_CREDENTIAL_CHARS:
        return CredentialCheck(CredentialState.MALFORMED)
    jws = _compact_jws(text.strip())
    if jws is None:
        return CredentialCheck(CredentialState.MALFORMED)
    try:
        header = jwt.get_unverified_header(jws)
    except jwt.PyJWTError:
        return CredentialCheck(CredentialState.MALFORMED)
    if header.get("alg") != ALGORITHM:
        return CredentialCheck(CredentialState.MALFORMED)
    key = _site_key(header.get("kid"))
    if key is None:
        return CredentialCheck(CredentialState.UNKNOWN_ISSUER)
    try:
        signed = jwt.api_jws.PyJWS().decode_complete(
            jws, key=public_key_from_jwk(key.public_jwk), algorithms=[ALGORITHM]
        )
    except jwt.InvalidSignatureError:
        return CredentialCheck(CredentialState.TAMPERED)
    except (jwt.PyJWTError, ValueError, KeyError):
        return CredentialCheck(CredentialState.MALFORMED)
    return _state_of(signed["payload"], jws)


def _compact_jws(text: str) -> str | None:
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        types = document.get("type")
        types = types if isinstance(types, list) else [types]
        identifier = document.get("id")
        if "EnvelopedVerifiableCredential" not in types or not isinstance(identifier, str):
            return None
        if not identifier.startswith(ENVELOPE_PREFIX):
            return None
        text = identifier.removeprefix(ENVELOPE_PREFIX)
    return text if COMPACT_JWS.fullmatch(text) else None


def _site_key(kid) -> SigningKey | None:
    """The site's public key the header names (did:web:<site>#<thumbprint>), if it is one."""
    if not isinstance(kid, str):
        return None
    did, _hash, fragment = kid.partition("#")
    if did != site_did() or not fragment:
        return None
    return SigningKey.objects.filter(kid=fragment).first()


def _state_of(payload: bytes, jws: str) -> CredentialCheck:
    """A signature of ours checked: the record it names, and what became of it."""
    try:
        credential_id = json.loads(payload).get("id", "")
    except (ValueError, AttributeError):
        return CredentialCheck(CredentialState.MALFORMED)
    uid = _uuid_or_none(credential_id)
    credential = (
        Credential.objects.select_related("certificate").filter(uid=uid).first() if uid else None
    )
    if credential is None or credential.jws != jws:
        return CredentialCheck(CredentialState.TAMPERED)
    if credential.certificate.status == CertificateStatus.REVOKED:
        return CredentialCheck(CredentialState.REVOKED, credential)
    if credential.superseded_at is not None:
        return CredentialCheck(CredentialState.SUPERSEDED, credential)
    if credential.certificate.status != CertificateStatus.ISSUED:
        return CredentialCheck(CredentialState.TAMPERED)
    return CredentialCheck(CredentialState.VALID, credential)


def _uuid_or_none(credential_id) -> uuid.UUID | None:
    if not isinstance(credential_id, str) or not credential_id.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(credential_id.removeprefix("urn:uuid:"))
    except ValueError:
        return None
