"""The key that signs credentials, and how the site names itself as their issuer (did:web).

The private key comes from the settings (CREDENTIAL_SIGNING_KEY, the PEM itself, or
CREDENTIAL_SIGNING_KEY_FILE, a file outside the repository); only its public half is kept in the
database (SigningKey), listed in /.well-known/did.json for anyone verifying.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.contrib.sites.models import Site
from django.urls import reverse

from elearn.emails import absolute_url

from .models import SigningKey

logger = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("~/.config/elearn/credential-signing-key.pem")


@dataclass(frozen=True)
class Signer:
    """The configured private key with its key id (the public JWK's thumbprint)."""

    private_key: Ed25519PrivateKey
    kid: str
    public_jwk: dict


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk_of(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 of the required members in lexicographic order, base64url."""
    members = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


def configured_signer() -> Signer | None:
    """The signing key the settings name, or None when none is configured (certificates are
    then issued without a credential). A key that cannot be read is logged and treated as
    none: it must never stop a certificate from being issued."""
    pem = settings.CREDENTIAL_SIGNING_KEY.strip()
    path = settings.CREDENTIAL_SIGNING_KEY_FILE
    if not pem and path:
        try:
            pem = Path(path).expanduser().read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            logger.exception("cannot read CREDENTIAL_SIGNING_KEY_FILE %s", path)
            return None
    if not pem:
        return None
    try:
        return _signer_from_pem(pem)
    except ValueError:
        logger.exception("the credential signing key is not an Ed25519 private key in PEM")
        return None


@lru_cache(maxsize=4)
def _signer_from_pem(pem: str) -> Signer:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")
    jwk = public_jwk_of(key.public_key())
    return Signer(private_key=key, kid=thumbprint(jwk), public_jwk=jwk)


def register_public_key(signer: Signer) -> SigningKey:
    """The signer's public key recorded for did.json (once; a no-op when it is there)."""
    record, _created = SigningKey.objects.get_or_create(
        kid=signer.kid, defaults={"public_jwk": signer.public_jwk}
    )
    return record


def create_signing_key(path: Path) -> Signer:
    """A new Ed25519 key written as PEM to `path` (made readable by its owner alone; an
    existing file is never overwritten: FileExistsError), its public key recorded."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    signer = _signer_from_pem(pem.decode("ascii"))
    register_public_key(signer)
    return signer


def site_domain() -> str:
    return Site.objects.get_current().domain


def site_did() -> str:
    """did:web for the site's domain; a port is percent-encoded (did:web:127.0.0.1%3A8000)."""
    return "did:web:" + quote(site_domain().lower(), safe="")


def status_list_url() -> str:
    return absolute_url(reverse("credential-status-list"))


def did_document() -> dict:
    """The site's DID document: every public key that may have signed a live credential, all
    of them usable for assertions (credentials), the newest first."""
    did = site_did()
    keys = list(SigningKey.objects.order_by("-created_at", "-pk"))
    methods = [
        {
            "id": f"{did}#{key.kid}",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": key.public_jwk,
        }
        for key in keys
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
