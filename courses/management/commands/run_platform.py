import contextlib
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the web server (gunicorn, reloading on code changes) and a Celery worker "
        "together, for local use (make run). Ctrl-C stops both. In production run gunicorn "
        "and `celery worker` separately."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        python = sys.executable
        worker = subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "elearn",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--beat",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ]
        )
        # gunicorn rather than runserver: runserver listens with a backlog of 10, so a class
        # clicking at once (50 connections) saw 5 to 13 of them reset. Threads serve the
        # page requests a page makes together; --reload restarts on a code change.
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "elearn.wsgi:application",
                f"--bind={host}:{port}",
                "--workers=2",
                "--threads=8",
                "--backlog=2048",
                "--timeout=120",
                "--reload",
                "--access-logfile=-",
                "--no-control-socket",  # one per machine by default: two `make run`s would clash
            ]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"elearn is running at http://{host}:{port}/ (web and worker); Ctrl-C stops both."
            )
        )

        def stop(*_args):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            while web.poll() is None and worker.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    web.wait(timeout=1)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        if web.returncode not in (0, None, -signal.SIGTERM) or worker.returncode not in (
            0,
            None,
            -signal.SIGTERM,
        ):
            self.stderr.write("The web server or the worker stopped unexpectedly.")
