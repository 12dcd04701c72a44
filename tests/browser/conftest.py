"""The browser suite: real pages in Debian's Chromium (/usr/bin/chromium, driven by Playwright's
Python package; never a downloaded browser), served by a live server on the test database.

Without Chromium the whole folder is left out and the run says so in one line
(tests/elearn/test_browser_suite_skip.py checks that line). The data are built once for the
folder (`site`), not per test: the pages only read them, and the journeys use participants of
their own. The folder's data are flushed when it is done, as after any transactional test.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("ELEARN_TEST_CHROMIUM", "/usr/bin/chromium"))
SKIP_MESSAGE = "browser suite skipped: install Chromium with `apt-get install chromium`"
LANGUAGES = ["en", "ar"]
DEMO = Path(__file__).resolve().parents[2] / "demo"

if not CHROMIUM.exists():
    collect_ignore_glob = ["test_*.py"]

    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(SKIP_MESSAGE)


@pytest.fixture(scope="package")
def browser(site):
    """One Chromium for the folder; each test opens a fresh context (no shared cookies).

    Playwright's sync API keeps an event loop in this thread, where Django refuses database
    queries: the data (`site`) are built before it starts and flushed after it stops.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@dataclass
class Site:
    """The live server and what the pages show: urls by name, users by role."""

    url: str
    users: dict = field(default_factory=dict)
    journey_users: dict = field(default_factory=dict)
    quiz_ids: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    lessons: list = field(default_factory=list)  # (path, title) of the course's first lessons

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def context(self, browser, *, role="anonymous", language="en", width=1280, **options):
        """A fresh browser context as `role` (signed in by session cookie) in `language`,
        recording every request it makes in `context.requests`."""
        context = browser.new_context(viewport={"width": width, "height": 800}, **options)
        cookies = [{"name": "django_language", "value": language, "url": self.url}]
        if role in self.sessions:
            cookies.append({"name": "sessionid", "value": self.sessions[role], "url": self.url})
        context.add_cookies(cookies)
        context.requests = []
        context.on("request", lambda request: context.requests.append(request.url))
        return context

    def foreign_requests(self, context) -> list[str]:
        """Requests of the context to anywhere but this server (data: URLs are not requests)."""
        return [
            url
            for url in context.requests
            if not url.startswith("data:") and urlsplit(url).netloc != self.host
        ]


@pytest.fixture
def db():
    """Here, asking for `db` only makes pytest-django create the test database: tests read the
    folder's data through the live server and hold no transaction of their own, which on SQLite
    would keep the server from writing (a lesson page notes the visit)."""


@pytest.fixture(scope="package")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The live server, with the demo course (English and Arabic: every question type, a timed
    quiz), a facilitated cohort and what each page needs, built once for the folder."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from elearn.celery import app

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CELERY_TASK_ALWAYS_EAGER=True,
            # Certificates carry their Open Badges credential, as on a configured site.
            CREDENTIAL_SIGNING_KEY=_new_signing_key(),
            CREDENTIAL_SIGNING_KEY_FILE="",
        ),
    ):
        app.conf.task_always_eager = True
        server = LiveServer("localhost")
        try:
            site = Site(url=server.url)
            _build(site)
            yield site
        finally:
            server.stop()
            app.conf.task_always_eager = False
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


def _new_signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def _build(site: Site) -> None:
    from django.test import Client
    from django.urls import reverse

    from certificates.models import BatchKind
    from certificates.services import (
        build_certificate_archive,
        issue_certificates,
        start_certificate_batch,
    )
    from courses.models import Course, EnrolmentStatus
    from courses.services.bulk import preview_enrolment_upload
    from courses.services.enrolment import enrol
    from courses.services.messages import new_request_key, send_cohort_message
    from courses.services.packages import import_course_package
    from quizzes.models import Quiz
    from quizzes.services import start_attempt, submit_attempt
    from tests.factories import make_cohort, make_facilitator_user, make_user

    for folder in (
        "procurement-human-rights-foundations",
        "procurement-human-rights-foundations-ar",
    ):
        import_course_package(DEMO / folder)
    course = Course.objects.get(slug="procurement-human-rights-foundations")
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.filter(course=course)}
    every_type, timed = quizzes["module-3-check"], quizzes["module-2-check"]
    assert timed.time_limit_minutes

    participant = make_user(full_name="José Núñez", country="PE")
    other = make_user(full_name="Amina Diallo", country="SN")
    facilitator = make_facilitator_user(full_name="Ngozi Okonjo-Iweala", country="NG")
    admin = make_user(full_name="Łukasz Żółć", is_staff=True, is_superuser=True)
    cohort = make_cohort(course, name="Lagos, spring")
    cohort.facilitators.add(facilitator)
    enrolment = enrol(participant, cohort)
    enrol(other, cohort)

    review = start_attempt(participant, quizzes["module-1-check"])[0]
    submit_attempt(participant, review.pk, answers={})
    in_progress = start_attempt(participant, every_type)[0]
    timed_attempt = start_attempt(participant, timed)[0]

    graduate = make_user(full_name="Fatou Sarr", country="SN")
    completed = enrol(graduate, cohort)
    completed.status = EnrolmentStatus.COMPLETED
    completed.completed_at = completed.enrolled_at
    completed.save(update_fields=["status", "completed_at"])
    (certificate,) = issue_certificates([completed.pk]).issued
    assert certificate.credentials.exists()  # the verification page shows its state
    # The cohort's certificates page lists a finished ZIP (built here, as a worker would, if
    # its task has not run already).
    archive = start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    build_certificate_archive(archive.pk)
    message, _created = send_cohort_message(
        cohort,
        by=facilitator,
        audience="all",
        subject="Welcome",
        body="The first live class is on **Tuesday**.",
        request_key=new_request_key(),
    )

    # Each journey signs in and takes a quiz: one participant each, so none resumes another's.
    site.journey_users = {}
    for journey in ("keyboard every type", "keyboard timed", "no javascript", "offline"):
        site.journey_users[journey] = make_user(full_name=f"Journey: {journey}")
        enrol(site.journey_users[journey], cohort)
    site.quiz_ids = {"every type": every_type.pk, "timed": timed.pk}

    upload = preview_enrolment_upload(
        cohort, "newcomer@example.org\nfatou.sarr@example.org\n", by=facilitator
    )

    site.users = {"participant": participant, "facilitator": facilitator, "admin": admin}
    for role, user in site.users.items():
        client = Client()
        client.force_login(user)
        site.sessions[role] = client.cookies["sessionid"].value
    lesson = course.modules.first().lessons.first()
    site.lessons = [
        (each.get_absolute_url(), each.title)
        for each in course.modules.first().lessons.order_by("order")[:3]
    ]
    site.paths = {
        "catalogue": reverse("home"),
        "course": course.get_absolute_url(),
        "lesson": lesson.get_absolute_url(),
        "quiz": reverse("quiz-detail", args=[every_type.pk]),
        "attempt": reverse("attempt-detail", args=[in_progress.pk]),
        "timed attempt": reverse("attempt-detail", args=[timed_attempt.pk]),
        "review": reverse("attempt-detail", args=[review.pk]),
        "my learning": reverse("my-learning"),
        "profile": reverse("profile"),
        "sign-up": reverse("account_signup"),
        "privacy": reverse("privacy"),
        "offline": reverse("offline"),
        "leave course": reverse("course-withdraw", args=[course.slug]),
        "delete account": reverse("profile-delete"),
        "sign-in": reverse("account_login"),
        "password reset": reverse("account_reset_password"),
        "verify": reverse("certificate-verify"),
        "verify result": reverse("certificate-verify-code", args=[certificate.code]),
        "credential check": reverse("credential-check"),
        "api docs": reverse("api-docs"),
        "cohorts": reverse("facilitate-cohorts"),
        "dashboard": reverse("facilitate-cohort", args=[cohort.pk]),
        "participant": reverse("facilitate-participant", args=[cohort.pk, enrolment.pk]),
        "messages": reverse("facilitate-messages", args=[cohort.pk]),
        "new message": reverse("facilitate-message-new", args=[cohort.pk]),
        "message": reverse("facilitate-message", args=[cohort.pk, message.pk]),
        "enrol": reverse("facilitate-enrol", args=[cohort.pk]),
        "enrol preview": reverse("facilitate-enrol-preview", args=[cohort.pk, upload.token]),
        "cohort quizzes": reverse("facilitate-cohort-quizzes", args=[cohort.pk]),
        "quiz analysis": reverse("facilitate-quiz-analysis", args=[cohort.pk, every_type.pk]),
        "certificates": reverse("facilitate-cohort-certificates", args=[cohort.pk]),
        "platform courses": reverse("lti-cohort", args=[cohort.pk]),
        "quiz analysis, all cohorts": reverse("facilitate-quiz-analysis-all", args=[every_type.pk]),
        "statistics": reverse("reports"),
        "funder report": reverse("reports-funder"),
        "exports": reverse("reports-exports"),
    }
