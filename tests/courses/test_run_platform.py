"""`make run`'s server (manage.py run_platform) holds a class's worth of connections at once,
and Ctrl-C stops it, the web server and the worker promptly."""

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


def descendants(pid: int) -> set[int]:
    """The processes started by `pid`, and by them, and so on (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def platform_process(tmp_path):
    """run_platform started as from a terminal (a process group of its own), once it answers."""
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
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def platform(platform_process):
    return platform_process[1]


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


def test_ctrl_c_stops_the_web_server_and_the_worker_promptly(platform_process, tmp_path):
    """Ctrl-C sends SIGINT to the terminal's foreground process group. When gunicorn and the
    worker were in it too, the worker's pool processes died under it, it started new ones on
    its way down, and stopping took 6 to 16 seconds."""
    process, port = platform_process
    # gunicorn and its 2 workers, the worker, its 2 pool processes and beat.
    assert wait_for(lambda: len(descendants(process.pid)) >= 7, timeout=60)
    started = descendants(process.pid)

    os.killpg(process.pid, signal.SIGINT)

    process.wait(timeout=10)
    assert wait_for(lambda: not any(running(pid) for pid in started), timeout=2)
    assert not get(port).startswith("HTTP/1.1")
    assert "stopped unexpectedly" not in (tmp_path / "platform.log").read_text()
