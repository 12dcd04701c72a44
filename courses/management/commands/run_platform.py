import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

# Seconds the web server and the worker get to finish what they are doing once asked to stop
# (gunicorn's graceful stop, Celery's warm shutdown), before their processes are terminated.
STOP_GRACE = 4
# Then seconds for what is left of their process groups to go after SIGTERM, and after SIGKILL.
STOP_AFTER_TERM = 1


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
        # Each in a process group of its own, so that Ctrl-C reaches this command alone, which
        # then stops them in order (_stop). In the terminal's group, every process got the
        # SIGINT at once: Celery's pool processes died under a worker still running, which
        # started new ones on its way down, and a stop took 6 to 16 seconds.
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
            ],
            process_group=0,
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
                f"--graceful-timeout={STOP_GRACE}",
                "--reload",
                "--access-logfile=-",
                "--no-control-socket",  # one per machine by default: two `make run`s would clash
            ],
            process_group=0,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"elearn is running at http://{host}:{port}/ (web and worker); Ctrl-C stops both."
            )
        )

        def stop(*_args):
            raise KeyboardInterrupt

        # Stopped by a signal, this command stops the others: they are not in its group.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGHUP, stop)
        interrupted = False
        try:
            while web.poll() is None and worker.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    web.wait(timeout=1)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            # A second Ctrl-C must not cut the stop short and leave the others running.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            _stop([web, worker])
        if not interrupted:
            self.stderr.write("The web server or the worker stopped unexpectedly.")


def _stop(processes: list[subprocess.Popen]) -> None:
    """Ask each process once to stop (SIGTERM: gunicorn stops gracefully, Celery makes a warm
    shutdown), give them STOP_GRACE seconds, then terminate and at last kill whatever is left
    of their process groups (gunicorn's workers, Celery's pool processes and beat)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    _wait(processes, STOP_GRACE)
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for process in processes:
            # The group outlives its leader while any member lives, so this reaches only ours.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        _wait(processes, STOP_AFTER_TERM)


def _wait(processes: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0, deadline - time.monotonic()))
