from django.core.management.base import BaseCommand, CommandError

from certificates.credentials.issuing import (
    issue_missing_credentials,
    replace_credentials_signed_by,
)
from certificates.credentials.keys import configured_signer


class Command(BaseCommand):
    help = (
        "Sign an Open Badges credential for every issued certificate that has none (those "
        "issued before a signing key was configured); with --replace-key, also new ones for "
        "the certificates whose credential that key signed. Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace-key",
            metavar="KID",
            help="A key id (a leaked or retired key): replace the live credentials it signed "
            "with new ones signed by the configured key; the old ones are superseded.",
        )

    def handle(self, *args, replace_key, **options):
        if configured_signer() is None:
            raise CommandError(
                "No signing key is configured: set CREDENTIAL_SIGNING_KEY_FILE "
                "(manage.py create_signing_key makes a key)."
            )
        if replace_key:
            replaced = replace_credentials_signed_by(replace_key)
            self.stdout.write(f"Replaced {replaced} credential(s) signed by {replace_key}.")
        count = issue_missing_credentials()
        self.stdout.write(f"Issued {count} credential(s).")
