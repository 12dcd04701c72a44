"""`python -m tests.celery_worker -A elearn worker ...`: `celery` as an operator runs it, with the
default queue named by the environment variable TEST_WORKER_QUEUE (the test session's own, so
that sessions sharing a broker stay apart) and any broker transport options given as JSON in
TEST_BROKER_OPTIONS (a Redis key prefix, a shorter visibility timeout). App code stays as it is.
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elearn.settings")
    from elearn.celery import app

    app.conf.task_default_queue = os.environ["TEST_WORKER_QUEUE"]
    options = json.loads(os.environ.get("TEST_BROKER_OPTIONS", "{}"))
    app.conf.broker_transport_options = {**app.conf.broker_transport_options, **options}
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
