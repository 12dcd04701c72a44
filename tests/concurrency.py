"""Helpers for concurrency tests, which run on PostgreSQL (SQLite ignores select_for_update)."""

import threading

import pytest
from django.db import connection

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL (SQLite ignores select_for_update)",
)


def run_together(*calls):
    """Run each call in its own thread (and database connection), all released at once.

    Returns what each call returned or raised, in the order given; fails if a thread is stuck.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # recorded for the test to assert on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes
