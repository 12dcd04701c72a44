"""A `celery worker` with a fault injected, for the reliability tests; app code stays untouched.

    python -m tests.certificates.faulty_worker FAULT -A elearn worker ...

The worker consumes, and sends its own tasks (retries) to, the queue named by the environment
variable TEST_WORKER_QUEUE, so that concurrent test sessions sharing a broker stay apart.

FAULT is one of:
- `none`: an ordinary worker;
- `block-render`: rendering a certificate hangs (the test kills the worker meanwhile);
- `fail-store-once`: the first store of a PDF raises OSError, later ones succeed;
- `fail-store-always`: every store raises OSError, and retries are not delayed (so that the
  delivery limit is reached in seconds rather than the backoff's minutes).
"""

import os
import sys
import time

FAULTS = ("none", "block-render", "fail-store-once", "fail-store-always")


def inject(fault: str) -> None:
    from certificates.services import issuing as services
    from certificates.tasks import issue_certificates_task

    if fault == "block-render":
        render = services.render_certificate

        def blocking_render(data):
            time.sleep(600)  # killed long before
            return render(data)

        services.render_certificate = blocking_render
    elif fault in ("fail-store-once", "fail-store-always"):
        store = services.store_atomically
        failures = [0]

        def failing_store(name, content):
            failures[0] += 1
            if fault == "fail-store-always" or failures[0] == 1:
                raise OSError(f"storage unreachable (injected failure {failures[0]})")
            return store(name, content)

        services.store_atomically = failing_store
    if fault == "fail-store-always":
        task = issue_certificates_task._get_current_object()
        retry = task.retry

        def immediate_retry(*args, countdown=None, **kwargs):
            return retry(*args, countdown=0, **kwargs)

        task.retry = immediate_retry


def main() -> None:
    fault, celery_args = sys.argv[1], sys.argv[2:]
    if fault not in FAULTS:
        sys.exit(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elearn.settings")
    import django

    django.setup()
    inject(fault)
    from elearn.celery import app

    app.conf.task_default_queue = os.environ["TEST_WORKER_QUEUE"]
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", *celery_args]
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
