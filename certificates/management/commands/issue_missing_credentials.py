from django.core.management.base import BaseCommand, CommandError

from certificates.credentials.issuing import issue_missing_credentials
from certificates.credentials.keys import configured_signer


class Command(BaseCommand):
    help = (
        "Sign an Open Badges credential for every issued certificate that has none (those "
        "issued before a signing key was configured). Safe to run at any time."
    )

    def handle(self, *args, **options):
        if configured_signer() is None:
            raise CommandError(
                "No signing key is configured: set CREDENTIAL_SIGNING_KEY_FILE "
                "(manage.py create_signing_key makes a key)."
            )
        count = issue_missing_credentials()
        self.stdout.write(f"Issued {count} credential(s).")
