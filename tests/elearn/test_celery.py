"""Celery wiring: tasks are enqueued only after commit and run in a real worker.

The in-thread worker uses the configured broker (the filesystem broker locally, Redis in CI's
second run). The separate-process test starts `celery worker` as an operator would.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.django.task import DjangoTask
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from accounts.tasks import send_email_task
from elearn.celery import app
from tests.workers import database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_broker(own_queue):
    """Tasks go through the broker, on this session's own queue (tests/conftest.py)."""
    return app


def email_kwargs(subject):
    return {
        "subject": subject,
        "body": "Hello",
        "to": ["learner@example.org"],
        "from_email": "noreply@example.org",
    }


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_runs_in_a_real_worker(real_broker):
    with start_worker(real_broker, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        with transaction.atomic():
            send_email_task.delay_on_commit(**email_kwargs("After commit"))
        assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].subject == "After commit"


@pytest.mark.django_db(transaction=True)
def test_task_of_a_rolled_back_transaction_is_never_enqueued(real_broker):
    with start_worker(real_broker, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        with pytest.raises(RuntimeError), transaction.atomic():
            send_email_task.delay_on_commit(**email_kwargs("Rolled back"))
            raise RuntimeError("the request failed")
        send_email_task.delay_on_commit(**email_kwargs("Marker"))  # no transaction: now
        assert wait_for(lambda: len(mail.outbox) == 1)
    assert [m.subject for m in mail.outbox] == ["Marker"]


@pytest.fixture
def worker_process(real_broker, own_queue, tmp_path):
    """A `celery worker` in its own process, on this test's database and broker."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"filemail:///{outbox}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "elearn",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--queues",
            own_queue,
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.outbox = outbox
    process.log_path = tmp_path / "worker.log"
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.mark.worker_process
@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_separate_worker_process(worker_process):
    with transaction.atomic():
        send_email_task.delay_on_commit(**email_kwargs("From another process"))

    def written():  # the file backend creates the file, then writes it: wait for its content
        return any(
            "Subject: From another process" in message.read_text()
            for message in worker_process.outbox.iterdir()
        )

    assert wait_for(written, timeout=90), worker_process.log_path.read_text()


def test_worker_settings_favour_no_lost_work():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # A few messages held ahead (unacknowledged, so given back if the worker dies), not a
    # worker's worth of the queue.
    assert 1 <= app.conf.worker_prefetch_multiplier <= 4
    assert isinstance(send_email_task, DjangoTask)  # gives delay_on_commit


def test_beat_makes_the_folder_of_its_schedule_file(tmp_path):
    from elearn.celery import PersistentScheduler

    assert app.conf.beat_scheduler == "elearn.celery:PersistentScheduler"
    schedule = tmp_path / "var" / "celerybeat-schedule"  # settings make no folder
    scheduler = PersistentScheduler(app, schedule_filename=str(schedule), lazy=True)
    scheduler.setup_schedule()
    scheduler.close()

    assert schedule.parent.is_dir()
