"""The revocation status list (W3C Bitstring Status List v1.0): one list for every credential,
at a stable URL, itself a signed VC-JWT BitstringStatusListCredential. A credential's bit is
set when its certificate is revoked or a re-issue superseded it. Built from the database on
each request, so it is never behind the records."""

from __future__ import annotations

import base64
import gzip

from django.db.models import Q
from django.utils import timezone

from ..models import CertificateStatus
from .building import VC_CONTEXT, sign, utc_timestamp
from .keys import configured_signer, register_public_key, site_did, status_list_url
from .models import Credential

MIN_BITS = 131_072  # 16 KB: the spec's minimum, so that a list alone says little about anyone


def revoked_status_indexes() -> list[int]:
    """The status list indexes whose bit is set: superseded credentials, and every credential
    of a revoked certificate."""
    return list(
        Credential.objects.filter(
            Q(superseded_at__isnull=False) | Q(certificate__status=CertificateStatus.REVOKED)
        ).values_list("status_index", flat=True)
    )


def encode_bitstring(indexes: list[int], *, size: int) -> str:
    """The bits at these indexes set, index 0 the most significant bit of the first byte, then
    GZIP, then base64url without padding, with the multibase prefix "u"."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def list_size(highest_index: int) -> int:
    """Bits in the list: at least MIN_BITS, growing by MIN_BITS to hold the highest index."""
    return max(MIN_BITS, (highest_index // MIN_BITS + 1) * MIN_BITS)


def build_status_list_credential() -> str | None:
    """The signed BitstringStatusListCredential as a compact JWS, or None when no signing key
    is configured."""
    signer = configured_signer()
    if signer is None:
        return None
    register_public_key(signer)
    indexes = revoked_status_indexes()
    highest = Credential.objects.order_by("-status_index").values_list("status_index", flat=True)
    size = list_size(highest.first() or 0)
    url = status_list_url()
    now = timezone.now()
    did = site_did()
    payload = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": utc_timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(indexes, size=size),
        },
        "iss": did,
        "jti": url,
        "iat": int(now.timestamp()),
    }
    return sign(payload, signer)
