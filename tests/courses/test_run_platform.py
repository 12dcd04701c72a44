"""`make run`'s server (manage.py run_platform) holds a class's worth of connections at once."""

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.factories import make_course
from tests.workers import database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker_process, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str = "/") -> str:
    """The status line of GET path, or the error that took its place."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.split(b"\r\n", 1)[0].decode()
    except OSError as error:
        return repr(error)


@pytest.fixture
def platform(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "ELEARN_VAR_DIR": str(tmp_path / "var"),
        "ELEARN_READ_DOTENV": "0",
    }
    log = open(tmp_path / "platform.log", "w")  # noqa: SIM115 - closed after the process
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform", f"--port={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: get(port).startswith("HTTP/1.1"), timeout=60), (
            tmp_path / "platform.log"
        ).read_text()
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_a_whole_cohort_clicking_at_once_all_get_the_page(platform):
    """Cohorts are 20 to 200 people; Django's runserver (a listen backlog of 10) reset 74 of
    200 connections made at once, and 5 to 13 of 50 on a busier machine."""
    make_course(title="Procurement and human rights")
    answers = []
    clicks = [threading.Thread(target=lambda: answers.append(get(platform))) for _ in range(200)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()

    assert answers == ["HTTP/1.1 200 OK"] * 200
