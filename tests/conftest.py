import os

import pytest
from rest_framework.test import APIClient

from tests.factories import make_course, make_facilitator_user, make_user


def pytest_configure(config):
    """The suite runs with DEBUG off, where WhiteNoise warns on every request's middleware when
    STATIC_ROOT is missing; collectstatic makes it in production, and settings make no folder."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_tasks_by_default(settings):
    """Tasks run in-process unless a test asks for a real worker (the `worker` fixtures)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from elearn.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A test that renders in another language (a response leaves it active in this thread)
    does not change the language of the next one, whatever the order."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Stored files (certificate PDFs, ZIPs, logos) go to this test's own folder, on the file
    system."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def failing_mail_server(settings):
    """failing_mail_server(errors): from now on the mail server answers each message with the
    next error of the list `errors` (None, or the list used up: accepted), or with what
    `errors(message)` returns. Accepted mail goes to mail.outbox. Returns the first recipient
    of every message tried, in order (tests/mail.py)."""
    from tests.mail import FailingMailBackend

    settings.EMAIL_BACKEND = "tests.mail.FailingMailBackend"
    tried = []

    def fail(errors):
        def fault(message):
            tried.append(message.to[0])
            return errors(message) if callable(errors) else (errors.pop(0) if errors else None)

        FailingMailBackend.fault = fault
        return tried

    yield fail
    FailingMailBackend.fault = None


@pytest.fixture
def participant(db):
    return make_user(full_name="José Núñez", country="PE", organisation_type="procurement_agency")


@pytest.fixture
def other_participant(db):
    return make_user(full_name="Nguyễn Thị Minh", country="VN")


@pytest.fixture
def facilitator(db):
    return make_facilitator_user(full_name="Ngozi Okonjo-Iweala", country="NG")


@pytest.fixture
def admin_user(db):
    return make_user(full_name="Łukasz Żółć", is_staff=True, is_superuser=True)


@pytest.fixture
def course(db):
    return make_course(modules=2, lessons_per_module=3, quizzes_per_module=1)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user: client_for(user)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def own_queue(settings):
    """Tasks go through the broker, to a queue of this test session's own.

    Other test sessions on the same machine share the broker (the filesystem broker's folder
    in var/test, or the same Redis database): on the shared default queue, their workers would
    take these messages and these workers theirs.
    """
    from elearn.celery import app
    from tests.workers import use_default_queue

    name = f"elearn-test-{os.getpid()}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    default = app.conf.task_default_queue
    use_default_queue(name)
    app.control.purge()
    yield name
    app.control.purge()
    use_default_queue(default)
