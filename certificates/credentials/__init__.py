"""Open Badges 3.0 credentials of certificates, VC-JWTs signed with Ed25519 (docs/open-badges.md).

- keys.py: the signing key (from the settings), its public JWK and kid, the site's did:web.
- building.py: the OpenBadgeCredential of a certificate, and signing it.
- issuing.py: credentials issued in the certificate pipeline's transaction, superseded on
  re-issue, and issued for certificates that lack one.
- status_list.py: the revocation BitstringStatusListCredential, built from the database.
- verifying.py: checking a credential from outside: valid, revoked, superseded, tampered...
"""
