"""Checking credentials the way an outside verifier would, with none of the code that signs
them: jwcrypto (a second JOSE implementation) against the served did.json, the raw Ed25519
algorithm from `cryptography`, and the status list decoded by hand (Bitstring Status List
v1.0: multibase "u" base64url, GZIP, bit 0 the most significant of the first byte)."""

import base64
import gzip
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwcrypto import jwk, jws


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def header_of(compact: str) -> dict:
    return json.loads(b64decode(compact.split(".")[0]))


def served_keys(client) -> dict[str, dict]:
    """The public JWKs of the site's did.json, by verification method id."""
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert set(document["assertionMethod"]) <= {m["id"] for m in document["verificationMethod"]}
    return {m["id"]: m["publicKeyJwk"] for m in document["verificationMethod"]}


def verify_with_jwcrypto(compact: str, keys: dict[str, dict]) -> dict:
    """The payload of a compact JWS whose header names one of `keys` (kid) and whose EdDSA
    signature verifies with jwcrypto; raises jwcrypto's InvalidJWSSignature otherwise."""
    header = json.loads(b64decode(compact.split(".")[0]))
    key = jwk.JWK(**keys[header["kid"]])
    token = jws.JWS()
    token.deserialize(compact)
    token.verify(key, alg="EdDSA")
    return json.loads(token.payload)


def verify_raw(compact: str, public_jwk: dict) -> bool:
    """RFC 8037 by hand: Ed25519 over ASCII(base64url(header) "." base64url(payload))."""
    header, payload, signature = compact.split(".")
    key = Ed25519PublicKey.from_public_bytes(b64decode(public_jwk["x"]))
    try:
        key.verify(b64decode(signature), f"{header}.{payload}".encode("ascii"))
    except Exception:
        return False
    return True


def with_payload(compact: str, payload: dict) -> str:
    """The same header and signature around another payload (a forgery)."""
    header, _payload, signature = compact.split(".")
    return f"{header}.{b64encode(json.dumps(payload).encode())}.{signature}"


def status_bit(client, credential: dict, keys: dict[str, dict]) -> bool:
    """The credential's bit in the status list its credentialStatus names, fetched from the
    site and verified like the credential."""
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    url = status["statusListCredential"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}")
    assert response.status_code == 200
    listing = verify_with_jwcrypto(response.content.decode("ascii"), keys)
    assert "BitstringStatusListCredential" in listing["type"]
    assert listing["id"] == url
    subject = listing["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    bits = gzip.decompress(b64decode(subject["encodedList"][1:]))
    assert len(bits) * 8 >= 131_072
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
