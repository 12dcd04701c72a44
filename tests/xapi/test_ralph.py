"""Against a real learning record store: Ralph (ralph-malph, the LRS of Open edX deployments),
with its file-system backend, started by the test in a process of its own (`make .venv-ralph`
installs it from requirements/ralph.txt; .ci/run does). A participant's whole way through a
course arrives, valid, exactly once, across an outage of the store and a lost answer."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from certificates.services import issue_certificates
from courses.models import Lesson
from courses.services.enrolment import enrol
from courses.services.progress import record_lesson_completion
from elearn.outbox import FIRST_WAIT
from tests.factories import make_course, make_quiz, make_user
from tests.xapi.test_statements import take_quiz
from xapi.models import Statement
from xapi.services import send_pending_statements

ROOT = Path(__file__).resolve().parents[2]
RALPH_VENV = Path(os.environ.get("RALPH_VENV", ROOT / ".venv-ralph"))
USERNAME, PASSWORD = "elearn", "ralph-test-secret"

pytestmark = pytest.mark.skipif(
    not (RALPH_VENV / "bin" / "uvicorn").exists(),
    reason="xAPI store tests skipped: install Ralph with `make .venv-ralph` (or set RALPH_VENV)",
)


class Ralph:
    """Ralph serving on a free port, stopped and started again at will."""

    def __init__(self, folder: Path):
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(folder),
            "RALPH_AUTH_FILE": str(folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "statements"),
        }
        subprocess.run(
            [RALPH_VENV / "bin" / "ralph", "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
             "-M", "mailto:lrs@example.org", "-w"],
            env=self.env, check=True, capture_output=True,
        )  # fmt: skip
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [RALPH_VENV / "bin" / "uvicorn", "ralph.api:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.statements()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("Ralph did not start in 30 s")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def statements(self, **query) -> list[dict]:
        params = "&".join(f"{k}={v}" for k, v in {"limit": 1000, **query}.items())
        request = urllib.request.Request(  # noqa: S310 - our test server
            f"{self.url}statements?{params}",
            headers={
                "X-Experience-API-Version": "1.0.3",
                "Authorization": "Basic "
                + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our test server
            return json.load(response)["statements"]


@pytest.fixture
def ralph(settings, tmp_path):
    store = Ralph(tmp_path / "ralph")
    store.start()
    settings.XAPI_LRS_URL = store.url
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = USERNAME, PASSWORD
    yield store
    if store.process.poll() is None:
        store.stop()
    shutil.rmtree(tmp_path / "ralph", ignore_errors=True)


def test_a_way_through_a_course_reaches_the_store_exactly_once_across_an_outage(ralph, db):
    course = make_course(modules=1, lessons_per_module=2, title="Droits humains et achats")
    quiz = make_quiz(module=course.modules.get(), slug="check", questions=2)
    user = make_user()
    enrolment = enrol(user, course.cohorts.get())
    for lesson in Lesson.objects.filter(course=course):
        record_lesson_completion(user, lesson)
    take_quiz(user, quiz, right=False)
    take_quiz(user, quiz)
    issue_certificates([enrolment.pk])
    written = set(Statement.objects.values_list("pk", flat=True))
    assert len(written) == 14

    ralph.stop()  # the store is down
    now = timezone.now()
    outcome = send_pending_statements(now=now)
    assert (outcome.sent, outcome.failed) == (0, 14)

    ralph.start()
    outcome = send_pending_statements(now=now + FIRST_WAIT)
    assert (outcome.sent, outcome.rejected, outcome.failed) == (14, 0, 0)
    stored = ralph.statements(registration=enrolment.registration)
    assert {s["id"] for s in stored} == {str(pk) for pk in written}

    # Sent again, as after a worker died before marking them sent: still once each.
    Statement.objects.update(sent_at=None, next_try_at=now)
    assert send_pending_statements(now=now + FIRST_WAIT).sent == 14
    again = ralph.statements(registration=enrolment.registration)
    assert len(again) == 14
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in again)
    assert verbs == sorted(
        ["registered", "completed", "completed", "completed"]
        + ["attempted", "answered", "answered", "failed"] * 1
        + ["attempted", "answered", "answered", "passed", "completed", "earned"]
    )
