"""elearn.snapshot.read_together: parts on connections of their own, one snapshot, connections
closed; inside a transaction, or on SQLite, the parts run one after the other in it."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from accounts.models import User
from elearn.snapshot import can_read_together, read_together
from tests.factories import make_user

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exported snapshots are PostgreSQL's"
)


def backend_and_snapshot():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), CAST(pg_current_snapshot() AS text)")
        return cursor.fetchone()


def connected(backends) -> set[int]:
    """Which of these server processes other than this test's own still serve a connection,
    after the server has had up to 5 s to end those whose client closed."""
    others = set(backends) - {backend_and_snapshot()[0]}
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(others)])
            alive = {pid for (pid,) in cursor.fetchall()}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parts_run_on_connections_of_their_own_reading_one_snapshot():
    results = read_together(dict.fromkeys("abc", backend_and_snapshot))
    assert list(results) == ["a", "b", "c"]
    backends = {backend for backend, _snapshot in results.values()}
    snapshots = {snapshot for _backend, snapshot in results.values()}
    assert len(backends) == 3
    assert len(snapshots) == 1
    assert connected(backends) == set()  # the parts' own connections are closed


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_committed_while_the_parts_run_is_seen_by_none_of_them():
    make_user(email="first@example.org")
    written = threading.Event()

    def write_elsewhere():
        def write():
            try:
                make_user(email="second@example.org")  # committed: autocommit
            finally:
                connection.close()

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(timeout=10)
        written.set()
        return User.objects.count()

    def count_after_the_write():
        assert written.wait(timeout=10)
        return User.objects.count()

    results = read_together({"writer": write_elsewhere, "late": count_after_the_write})
    assert results == {"writer": 1, "late": 1}
    assert User.objects.count() == 2  # committed, seen once the parts are done


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_raises_and_its_connection_is_closed():
    backends = []

    def fails():
        backends.append(backend_and_snapshot()[0])
        raise ValueError("part failed")

    with pytest.raises(ValueError, match="part failed"):
        read_together({"first": lambda: User.objects.count(), "fails": fails})
    assert len(backends) == 1
    assert connected(backends) == set()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parts_are_read_only():
    from django.db import InternalError

    def write():
        make_user(email="written@example.org")

    with pytest.raises(InternalError, match="read-only transaction"):
        read_together({"first": lambda: 1, "write": write})
    with pytest.raises(InternalError, match="read-only transaction"):
        read_together({"write": write, "second": lambda: 1})
    assert not User.objects.filter(email="written@example.org").exists()


@pytest.mark.django_db
def test_inside_a_transaction_the_parts_run_in_it_one_after_the_other():
    """What the test suite's own transaction, or a caller's, gets: the caller's connection,
    which sees what the caller wrote and has not committed."""
    make_user(email="uncommitted@example.org")
    assert not can_read_together()
    order = []

    def part(name):
        def run():
            order.append(name)
            return User.objects.filter(email="uncommitted@example.org").exists()

        return run

    assert read_together({"a": part("a"), "b": part("b")}) == {"a": True, "b": True}
    assert order == ["a", "b"]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_parts_run_at_once_only_on_postgresql():
    assert can_read_together() == (connection.vendor == "postgresql")
    with transaction.atomic():
        assert not can_read_together()
