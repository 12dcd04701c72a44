"""Real `celery worker` processes for the reliability and recovery tests: start one (the
`start_worker` fixture in conftest.py), kill it, and read its log."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.workers import database_url

ROOT = Path(__file__).resolve().parents[2]
SWEPT = r"reconcile_certificates_task\[[-0-9a-f]+\] succeeded"


def start_worker_process(
    number, *, fault, queue, media_root, folder, pool="solo", beat=False
) -> subprocess.Popen:
    """A `celery worker` process on this test's database, broker queue and media folder, with
    the fault of tests/certificates/faulty_worker.py injected, in its own process group.

    pool="prefork" runs one child process: its parent takes the next messages while the child
    works (with Redis up to the prefetch limit, with the filesystem broker one). beat=True
    embeds `celery beat` with the schedule from settings.
    """
    log_path = folder / f"worker-{number}-{fault}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media_root),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TEST_WORKER_QUEUE": queue,
    }
    options = [f"--pool={pool}"] + (["--concurrency=1"] if pool == "prefork" else [])
    if beat:  # its own schedule file: the one in var/ is shared with other test sessions
        options += ["--beat", f"--schedule={folder / f'beat-schedule-{number}'}"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.certificates.faulty_worker",
                fault,
                "-A",
                "elearn",
                "worker",
                *options,
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"test-{os.getpid()}-{number}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )
    process.log_path = log_path
    return process


def kill(process, sig=signal.SIGKILL):
    """Kill a worker with its children (pool processes, embedded beat)."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=10)


def logs(*processes):
    return "\n".join(f"--- {p.log_path.name}\n{p.log_path.read_text()}" for p in processes)


def wait_for_start_sweep(process, timeout=60.0):
    """Wait until the worker's sweep at start (certificates.receivers) has run: work recorded
    after it reaches the worker only through the test's own messages."""
    return wait_for_log(process, SWEPT, timeout)


def wait_for_log(process, pattern, timeout=30.0, *, times=1):
    """Wait until `times` lines of the worker's log match `pattern` (True), or the worker exits
    or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if len(re.findall(pattern, process.log_path.read_text(), re.MULTILINE)) >= times:
            return True
        time.sleep(0.1)
    return False
