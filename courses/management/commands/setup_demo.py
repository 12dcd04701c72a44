import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from certificates.credentials.issuing import issue_missing_credentials
from certificates.credentials.keys import configured_signer, create_signing_key
from courses.demo import (
    DEMO_COHORT,
    FACILITATOR,
    PARTICIPANTS,
    create_demo_cohort,
    demo_cohort_exists,
)
from courses.exceptions import PackageError
from courses.models import Course
from courses.packages import read_package
from courses.services import apply_course_spec

DEMO_FOLDER = Path("demo")  # under BASE_DIR: one course package per folder
DEMO_PACKAGE = DEMO_FOLDER / "procurement-human-rights-foundations"  # the demo cohort's course
DEMO_ADMIN_EMAIL = "admin@example.org"


def demo_packages(root: Path) -> list[Path]:
    """The course package folders under `root` (those holding a course.yaml), by name."""
    return sorted(path.parent for path in root.glob("*/course.yaml"))


class Command(BaseCommand):
    help = (
        "Load the demo courses, every package in demo/ (only those not there yet, so edits made "
        "in the admin survive), "
        "a demo admin, and a facilitated cohort with participants at different stages; then "
        "print the demo accounts. All demo accounts share one generated password."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site-domain", default="127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args, site_domain, **options):
        Site.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": site_domain, "name": settings.SITE_NAME}
        )
        self._load_courses(settings.BASE_DIR / DEMO_FOLDER)
        self._signing_key()

        credentials = settings.VAR_DIR / "demo-admin.txt"
        admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        password_hash = None  # hashing is slow by design: once for every demo account
        if admin is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            password_hash = make_password(password)
            if admin is None:
                admin = User.objects.create_superuser(
                    DEMO_ADMIN_EMAIL, None, full_name="Demo Administrator"
                )
            admin.password = password_hash
            admin.save(update_fields=["password"])
            _verify_email(admin)
            credentials.parent.mkdir(parents=True, exist_ok=True)  # settings make no folder
            credentials.write_text(f"{DEMO_ADMIN_EMAIL}\n{password}\n", encoding="utf-8")
            credentials.chmod(0o600)
        email, password = credentials.read_text(encoding="utf-8").split()
        course = Course.objects.filter(slug=DEMO_PACKAGE.name).first()
        if course is not None and not demo_cohort_exists(course):
            create_demo_cohort(
                course, password_hash=password_hash or make_password(password), now=timezone.now()
            )
            self.stdout.write(f"Created the demo cohort {DEMO_COHORT!r}.")
        if issued := issue_missing_credentials():  # certificates from before the key was made
            self.stdout.write(f"Signed {issued} Open Badges credential(s).")
        others = ", ".join(p.email for p in PARTICIPANTS if p != PARTICIPANTS[2])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo accounts, all with the password {password}\n"
                f"  admin:       {email}  (admin site: http://{site_domain}/admin/)\n"
                f"  facilitator: {FACILITATOR[0]}\n"
                f"  participant: {PARTICIPANTS[2].email} (also {others})\n"
                f"  sign in at http://{site_domain}/accounts/login/"
            )
        )

    def _signing_key(self) -> None:
        """The demo's credentials need a signing key: made under var/ (the default file with
        DEBUG on) when none is configured."""
        if configured_signer() is not None:
            return
        path = settings.CREDENTIAL_SIGNING_KEY_FILE
        if not path or settings.CREDENTIAL_SIGNING_KEY.strip():
            self.stdout.write("No credential signing key: certificates have no digital credential.")
            return
        signer = create_signing_key(Path(path))
        self.stdout.write(f"Created the credential signing key {signer.kid} in {path}.")

    def _load_courses(self, root: Path) -> None:
        """Import the packages whose course is not in the database yet, originals before
        translations (a translation's original must exist); a bad package stops everything."""
        packages = []
        for folder in demo_packages(root):
            try:
                packages.append((folder, read_package(folder)))
            except PackageError as exc:
                raise CommandError(f"{folder}: {exc.message}") from None
        existing = set(Course.objects.values_list("slug", flat=True))
        for folder, spec in sorted(packages, key=lambda item: item[1].translation_of is not None):
            if spec.slug in existing:
                continue
            try:
                course = apply_course_spec(spec).course
            except PackageError as exc:
                raise CommandError(f"{folder}: {exc.message}") from None
            self.stdout.write(f"Loaded the demo course “{course.title}” ({course.language}).")


def _verify_email(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
