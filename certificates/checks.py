"""System checks (`manage.py check`, and at every start): a credential signing key that is
configured but cannot be used is reported, since issuing then quietly leaves credentials out."""

from pathlib import Path

from django.conf import settings
from django.core import checks


@checks.register()
def check_credential_signing_key(app_configs, **kwargs):
    from .credentials.keys import configured_signer

    pem = settings.CREDENTIAL_SIGNING_KEY.strip()
    path = settings.CREDENTIAL_SIGNING_KEY_FILE
    if not pem and not path:
        return []
    if not pem and not Path(path).expanduser().exists():
        if settings.DEBUG:  # the development default, made by setup_demo
            return []
        return [
            checks.Warning(
                f"CREDENTIAL_SIGNING_KEY_FILE names {path}, which does not exist: certificates "
                "are issued without an Open Badges credential.",
                hint="Create it with `manage.py create_signing_key PATH` (docs/open-badges.md).",
                id="certificates.W001",
            )
        ]
    if configured_signer() is None:
        return [
            checks.Error(
                "The credential signing key cannot be read, or is not an Ed25519 private key "
                "in PEM: certificates are issued without an Open Badges credential.",
                hint="Check CREDENTIAL_SIGNING_KEY(_FILE) and the file's permissions.",
                id="certificates.E001",
            )
        ]
    return []
