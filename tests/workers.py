"""Helpers for tests that run tasks in real Celery workers (in a thread or a process)."""

import time

from django.db import connection

from elearn.celery import app


def wait_for(condition, timeout=30.0):
    """Poll `condition` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def database_url():
    """The URL of the database this test uses, for a worker process to use it too."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def use_default_queue(name):
    """Send tasks to (and, for workers started here, consume) the queue `name`."""
    app.conf.task_default_queue = name
    for cached in ("queues", "default_queue", "router"):  # derived from the setting, lazily
        app.amqp.__dict__.pop(cached, None)
