"""The embedded broker (kombu's filesystem transport, elearn/broker.py) publishes messages
whole, and a worker reading a message that was not is not stopped by it."""

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport import filesystem

from elearn import broker


@pytest.fixture
def queue_name():
    # kombu keeps the bindings it declared per process, not per folder: a queue of its own
    # per test, or a later test's messages would be routed by an earlier test's folder.
    return f"certificates-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "processed").mkdir()
    (tmp_path / "control").mkdir()
    return tmp_path


def connect(folder, transport=broker.Transport):
    return Connection(
        "filesystem://",
        transport=transport,
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_the_default_broker_skips_a_message_it_cannot_read(queue_name):
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("CI points the suite at Redis")
    from elearn.celery import app

    # The app's own connection, on the folders settings give it (shared with other test
    # sessions: the queue is this test's own).
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue(queue_name)
        folder = Path(connection.transport_options["data_folder_in"])
        (folder / f"0_left-behind.{queue_name}.msg").write_bytes(b"")  # read first
        queue.put({"enrolment": 7})

        assert queue.get(timeout=1).payload == {"enrolment": 7}
        queue.close()


def test_a_published_message_is_read_back(folder, queue_name):
    with connect(folder) as connection:
        queue = connection.SimpleQueue(queue_name)
        queue.put({"enrolment": 7})
        message = queue.get(timeout=1)

        assert message.payload == {"enrolment": 7}
        message.ack()
        queue.close()


def test_a_publisher_stopped_mid_write_leaves_nothing_a_worker_takes(
    folder, queue_name, monkeypatch
):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process is stopped before its file is in place

    with connect(folder) as connection:
        queue = connection.SimpleQueue(queue_name)
        with monkeypatch.context() as file_system, pytest.raises(KeyboardInterrupt):
            file_system.setattr(os, "replace", killed)
            queue.put({"enrolment": 7})

        assert not list(folder.glob("*.msg"))
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)
        queue.close()


@pytest.mark.parametrize("left_behind", [b"", b'{"body": "tru'])
def test_a_message_that_cannot_be_read_is_skipped_not_fatal(folder, queue_name, left_behind):
    # What kombu's own transport leaves when its publisher is stopped between creating a
    # message's file and writing it; its reader then fails with JSONDecodeError. Named to be
    # read first (messages are read in the order of their names).
    (folder / f"0_left-behind.{queue_name}.msg").write_bytes(left_behind)
    with connect(folder) as connection:
        queue = connection.SimpleQueue(queue_name)
        queue.put({"enrolment": 7})

        message = queue.get(timeout=1)

        assert message.payload == {"enrolment": 7}
        queue.close()


def test_kombus_own_transport_is_stopped_by_such_a_message(folder, queue_name):
    """Why elearn/broker.py exists: delete it when kombu reads messages safely."""
    (folder / f"1_left-behind.{queue_name}.msg").write_bytes(b"")
    with connect(folder, transport=filesystem.Transport) as connection:
        queue = connection.SimpleQueue(queue_name)
        with pytest.raises(ValueError):
            queue.get(timeout=1)
        queue.close()


def test_the_broker_makes_its_folders_when_first_used(tmp_path, queue_name):
    folder = tmp_path / "var" / "broker"  # settings make none of these
    with connect(folder) as connection:
        queue = connection.SimpleQueue(queue_name)
        queue.put({"enrolment": 8})
        assert queue.get(timeout=1).payload == {"enrolment": 8}
        queue.close()

    assert (folder / "control").is_dir()
