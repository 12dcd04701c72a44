"""Celery wiring: tasks are enqueued only after commit and run in a real worker.

The in-thread worker uses the configured broker (the filesystem broker locally, Redis in CI's
second run). The separate-process tests start `celery worker` as an operator would, and kill it
mid-task: a task acknowledged late is run again.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from celery import beat
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import transaction

from accounts.tasks import send_email_task
from elearn.celery import app
from tests.mail import MailServer
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


# --- A worker dying mid-task ------------------------------------------------------------------
# Tasks are acknowledged once done, not when taken (settings: task_acks_late, with
# task_reject_on_worker_lost): a worker that dies gives its task back. The filesystem broker
# drops what a dead worker held; what the certificates lose that way the sweeps find again
# (tests/certificates/test_reliability.py).


@pytest.fixture
def mail_server():
    """An SMTP server that hangs on the first task's connection and takes the later ones' mail."""
    with MailServer() as server:
        yield server


@pytest.fixture
def start_worker_process(own_queue, tmp_path, mail_server):
    """start_worker_process(name, pool="solo", broker_options=None): a `celery worker` process
    (tests/celery_worker.py) on this test's database, queue and mail server, in its own process
    group, killed with its children in teardown."""
    started = []

    def start(name, *, pool="solo", broker_options=None):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "EMAIL_URL": mail_server.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TEST_WORKER_QUEUE": own_queue,
            "TEST_BROKER_OPTIONS": json.dumps(broker_options or {}),
        }
        options = [f"--pool={pool}"] + (["--concurrency=1"] if pool == "prefork" else [])
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.celery_worker", "-A", "elearn", "worker", *options,
                 "--loglevel=INFO", "--without-mingle", "--without-gossip",
                 "-n", f"test-{os.getpid()}-{name}@%h"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process):
    """SIGKILL, as the kernel's out-of-memory killer or a lost machine stops a worker: no
    shutdown, nothing given back to the broker on the way out."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def logs(*processes):
    return "\n".join(f"--- {p.log_path.name}\n{p.log_path.read_text()}" for p in processes)


def delivered(mail_server, subject):
    return [m for m in mail_server.messages if f"Subject: {subject}".encode() in m]


@pytest.mark.worker_process
@pytest.mark.django_db(transaction=True)
def test_a_task_acked_late_is_redelivered_to_another_worker_after_its_worker_dies(
    own_queue, start_worker_process, mail_server
):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("Redis gives a dead worker's messages back; the filesystem broker drops them")
    # Keys of this test's own (other sessions share the Redis database: a worker of this test
    # must not hand their messages around), and a dead worker's message given back after 3
    # seconds rather than an hour.
    broker_options = {
        "global_keyprefix": f"{own_queue}-{uuid.uuid4().hex[:8]}:",
        "visibility_timeout": 3,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    try:
        # A pool process runs the task while the worker's main process goes on talking to the
        # broker, so that a task acknowledged early would be acknowledged before the kill (with
        # the solo pool, the hanging task would stop even that from reaching Redis).
        first = start_worker_process("first", pool="prefork", broker_options=broker_options)
        with app.connection_for_write(transport_options=broker_options) as connection:
            app.amqp.queues[own_queue].bind(connection.default_channel).declare()
            send_email_task.apply_async(kwargs=email_kwargs("Given back"), connection=connection)
        # The first worker has taken the task and waits on the mail server: killed mid-task.
        assert mail_server.held.wait(90), logs(first)
        kill(first)

        second = start_worker_process("second", broker_options=broker_options)

        assert wait_for(lambda: delivered(mail_server, "Given back"), 90), logs(first, second)
        assert len(delivered(mail_server, "Given back")) == 1
    finally:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in client.scan_iter(match=f"{broker_options['global_keyprefix']}*"):
            client.delete(key)


@pytest.mark.worker_process
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_pool_process_dies_is_run_again_by_the_next_one(
    start_worker_process, mail_server
):
    worker = start_worker_process("prefork", pool="prefork")
    send_email_task.delay(**email_kwargs("Run again"))
    assert mail_server.held.wait(90), logs(worker)  # the pool process waits on the mail server

    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    (pool_process,) = children
    os.kill(int(pool_process), signal.SIGKILL)

    # Given back by the worker, and run by the pool process it starts in place of the dead one.
    assert wait_for(lambda: delivered(mail_server, "Run again"), 90), logs(worker)
    assert len(delivered(mail_server, "Run again")) == 1
    assert worker.poll() is None


def test_beat_makes_the_folder_of_its_schedule_file(tmp_path):
    schedule = tmp_path / "var" / "celerybeat-schedule"  # settings make no folder
    # The scheduler settings select, made as `celery beat` makes it.
    options = app.Beat(schedule=str(schedule))
    service = beat.Service(
        app, scheduler_cls=options.scheduler_cls, schedule_filename=options.schedule
    )
    scheduler = service.get_scheduler(lazy=True)
    scheduler.setup_schedule()
    scheduler.close()

    assert schedule.parent.is_dir()
