from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates.credentials.keys import DEFAULT_KEY_FILE, create_signing_key


class Command(BaseCommand):
    help = (
        "Create an Ed25519 key to sign the certificates' Open Badges credentials: the private "
        "key is written as PEM to PATH (readable by its owner alone; an existing file is never "
        "overwritten), its public key recorded for /.well-known/did.json. Then point "
        "CREDENTIAL_SIGNING_KEY_FILE at it. docs/open-badges.md says how to rotate keys."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help=f"Where to write the private key (default: CREDENTIAL_SIGNING_KEY_FILE, or "
            f"else {DEFAULT_KEY_FILE}). Keep it outside the repository.",
        )

    def handle(self, *args, path, **options):
        target = Path(path or settings.CREDENTIAL_SIGNING_KEY_FILE or DEFAULT_KEY_FILE)
        try:
            signer = create_signing_key(target)
        except FileExistsError:
            raise CommandError(f"{target} exists: a key is never overwritten.") from None
        except OSError as exc:
            raise CommandError(f"{target}: {exc.strerror}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the signing key {signer.kid} in {target.expanduser()}.\n"
                f"Set CREDENTIAL_SIGNING_KEY_FILE={target.expanduser()} (and restart the web "
                f"processes and workers) to sign new credentials with it."
            )
        )
