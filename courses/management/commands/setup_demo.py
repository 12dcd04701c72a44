import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from courses.models import Course
from courses.services import import_course_package

DEMO_PACKAGE = Path("demo") / "procurement-human-rights-foundations"  # under BASE_DIR
DEMO_ADMIN_EMAIL = "admin@example.org"


class Command(BaseCommand):
    help = (
        "Load the demo course (only if it is not there yet, so edits made in the admin survive) "
        "and create a demo admin account, then print its credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site-domain", default="127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args, site_domain, **options):
        Site.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": site_domain, "name": settings.SITE_NAME}
        )
        if not Course.objects.filter(slug=DEMO_PACKAGE.name).exists():
            result = import_course_package(settings.BASE_DIR / DEMO_PACKAGE)
            self.stdout.write(f"Loaded the demo course {result.course.title!r}.")

        credentials = settings.VAR_DIR / "demo-admin.txt"
        admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        if admin is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            if admin is None:
                admin = User.objects.create_superuser(
                    DEMO_ADMIN_EMAIL, password, full_name="Demo Administrator"
                )
            else:
                admin.set_password(password)
                admin.save(update_fields=["password"])
            _verify_email(admin)
            credentials.write_text(f"{DEMO_ADMIN_EMAIL}\n{password}\n", encoding="utf-8")
            credentials.chmod(0o600)
        email, password = credentials.read_text(encoding="utf-8").split()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo admin: {email} / {password}\n"
                f"  sign in at http://{site_domain}/accounts/login/ "
                f"(admin site: http://{site_domain}/admin/)"
            )
        )


def _verify_email(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
