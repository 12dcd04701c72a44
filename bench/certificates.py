"""The `certificates` scenario: certificates issued per second end to end by one Celery worker.

Completed enrolments are made in this process, then their completion event is sent for each,
as the request that completed it does after its commit: the first asks a worker for new
certificates (one message for the burst, certificates.services.waiting), and one worker process
(prefork, concurrency 1) on the bench PostgreSQL database and Redis as broker issues them a
batch at a time (issue_certificates_task around issue_certificates: records, renders, stored
files, marked issued, one email task per batch, all in this worker). The rate runs from the
first event until the database shows every certificate issued; then again with a worker
that keeps its database connection between tasks (CELERY_DB_REUSE_MAX). Beside it, in the
same run: the same batches issued in this process (no broker, no worker) and the bare render
rate of the same layout and data, so the ratio end-to-end/bare says what issuing adds to
rendering. `--profile certificates` prints a cProfile of batches in process;
BENCH_CELERY_POOL, BENCH_CELERY_WORKER_ARGS and BENCH_CELERY_PROFILE (below) vary or profile
the worker.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

from bench import BenchError
from bench.data import bulk_participants
from bench.harness import BackgroundProcess, Bench

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
CERTIFICATES = 300
WARMUP = 20  # issued first, not timed: the worker's child registers its fonts on the first
TARGET_RATE = 150.0
TARGET_RATIO = 0.5
RENDER_SECONDS = 3.0
TIMEOUT = 120.0  # for one batch, in seconds
# As deployed: a prefork worker (its main process takes messages, its child runs the task).
POOL = os.environ.get("BENCH_CELERY_POOL", "prefork")
# More worker options to try, e.g. "--prefetch-multiplier 4" (settings say 1).
WORKER_ARGS = os.environ.get("BENCH_CELERY_WORKER_ARGS", "").split()
# A file to write a cProfile of the worker's main process to (with BENCH_CELERY_POOL=solo, the
# tasks run in it).
WORKER_PROFILE = os.environ.get("BENCH_CELERY_PROFILE", "")
# Tasks a worker process runs before Celery's Django fixup closes its database connections,
# for the second measurement (bench/settings.py reads it from BENCH_CELERY_DB_REUSE_MAX).
DB_REUSE_MAX = 1000


def certificates(bench: Bench) -> None:
    """Certificates per second end to end (one worker) against the bare render rate."""
    from certificates.models import Certificate, CertificateStatus
    from certificates.pdf import render_certificate
    from certificates.services import certificate_data

    course, cohort = _course("bench-certificates")
    people = _People(course, cohort)
    _use_broker(BROKER_URL)
    _purge_broker()
    var_dir = Path(os.environ["ELEARN_VAR_DIR"])
    try:
        # As configured; then with Celery told to keep database connections between tasks.
        seconds, ids = _end_to_end(people, var_dir / "worker.log", "0")
        reuse_seconds, _ids = _end_to_end(people, var_dir / "worker-reuse.log", str(DB_REUSE_MAX))
        end_to_end, with_reuse = CERTIFICATES / seconds, CERTIFICATES / reuse_seconds
        issued = Certificate.objects.filter(enrolment_id__in=ids, status=CertificateStatus.ISSUED)
        stored = _stored_files(issued)
        if stored != CERTIFICATES:
            raise BenchError(f"{stored} PDF files stored for {CERTIFICATES} certificates issued")

        # The same batches issued here: what the broker and the worker add.
        in_process_ids = people.completed(CERTIFICATES)
        started = time.perf_counter()
        _issue_in_batches(in_process_ids)
        in_process = CERTIFICATES / (time.perf_counter() - started)

        data = [certificate_data(c) for c in issued.select_related("enrolment")]
        bare = _render_rate(render_certificate, data)
    finally:
        _purge_broker()
        _remove_stored_files()

    ratio = end_to_end / bare
    print(
        f"\nCertificates: {CERTIFICATES} completions (English course, Latin names), their "
        f"events sent at once, issued by one Celery worker\n  ({POOL}, concurrency 1) on "
        f"PostgreSQL with Redis as broker, in batches: records, a render and a stored PDF "
        f"(fsync, rename) each,\n  marked issued, participants emailed"
    )
    print(f"  {'end to end per second':<26}{end_to_end:>9.1f}   "
          f"({CERTIFICATES} in {seconds:.2f} s, first completion event to last issued in the "
          f"database; target >= {TARGET_RATE:g}: "
          f"{_verdict(end_to_end >= TARGET_RATE)})")  # fmt: skip
    print(f"  {'  reusing DB connections':<26}{with_reuse:>9.1f}   "
          f"the same with CELERY_DB_REUSE_MAX={DB_REUSE_MAX} (the platform's own setting is "
          f"used above)")  # fmt: skip
    print(f"  {'in process per second':<26}{in_process:>9.1f}   "
          f"the same batches issued here: no broker, no worker")  # fmt: skip
    print(f"  {'bare render per second':<26}{bare:>9.1f}   "
          f"render_certificate of the same certificates' data, in this process")  # fmt: skip
    print(f"  {'ratio end-to-end/bare':<26}{ratio:>9.2f}   "
          f"target >= {TARGET_RATIO:g} ({_verdict(ratio >= TARGET_RATIO)}); "
          f"{with_reuse / bare:.2f} reusing DB connections")  # fmt: skip
    if end_to_end < TARGET_RATE or ratio < TARGET_RATIO:
        print(
            "  below target: `bench/run.py certificates --profile certificates` shows where an "
            "issue's time goes"
        )


def _issue_in_batches(ids: list[int]) -> None:
    """issue_certificates on `ids`, a batch at a time, in this process."""
    from certificates.services import issue_certificates
    from certificates.tasks import BATCH

    for start in range(0, len(ids), BATCH):
        issue_certificates(ids[start : start + BATCH])


def _verdict(ok: bool) -> str:
    return "meets" if ok else "below"


def _course(slug: str):
    from courses.models import Course
    from courses.services.enrolment import ensure_default_cohort

    course = Course.objects.create(
        title="Human Rights Due Diligence in Public Procurement",
        slug=slug,
        summary="Certificates for the benchmark.",
        estimated_hours=12.5,
        published=True,
    )
    return course, ensure_default_cohort(course)


class _People:
    """Participants with completed enrolments in one course, numbered on from batch to batch."""

    def __init__(self, course, cohort):
        self.course, self.cohort, self.count = course, cohort, 0

    def completed(self, count: int) -> list[int]:
        ids = _completed(self.course, self.cohort, self.count + 1, count)
        self.count += count
        return ids


def _end_to_end(people: _People, log: Path, db_reuse_max: str) -> tuple[float, list[int]]:
    """Seconds for one worker to issue CERTIFICATES certificates (after WARMUP not timed)."""
    with Worker(log, {"BENCH_CELERY_DB_REUSE_MAX": db_reuse_max}):
        _issue_with_worker(people.completed(WARMUP))
        ids = people.completed(CERTIFICATES)
        seconds = _issue_with_worker(ids)
    # Tasks still queued when the last certificate was issued (those of certificates issued
    # together with an earlier one's, and the emails) are not the next run's work.
    _purge_broker()
    return seconds, ids


def _completed(course, cohort, first: int, count: int) -> list[int]:
    """`count` participants with a completed enrolment (rows written directly, their completion
    events not sent: the clock starts with the first). Returns the enrolment ids."""
    from django.utils import timezone

    from courses.models import Enrolment, EnrolmentStatus

    users = bulk_participants(
        course, first=first, count=count, prefix="graduate", name="José Núñez", country="PE"
    )
    now = timezone.now()
    completed = {"status": EnrolmentStatus.COMPLETED, "completed_at": now}
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(user=user, cohort=cohort, course=course, **completed) for user in users
    )
    return [e.pk for e in enrolments]


def _issue_with_worker(ids: list[int]) -> float:
    """Send the completion event of every enrolment; seconds until all their certificates are
    issued."""
    from certificates.models import Certificate, CertificateStatus
    from courses.events import course_completed
    from courses.models import Enrolment

    started = time.perf_counter()
    for enrolment_id in ids:
        course_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    deadline = started + TIMEOUT
    issued = Certificate.objects.filter(enrolment_id__in=ids, status=CertificateStatus.ISSUED)
    while (done := issued.count()) < len(ids):
        if time.perf_counter() > deadline:
            raise BenchError(f"only {done} of {len(ids)} certificates issued after {TIMEOUT:g} s")
        time.sleep(0.01)
    return time.perf_counter() - started


def _render_rate(render, data: list) -> float:
    """Renders per second, going round `data`, for at least RENDER_SECONDS and all of it."""
    render(data[0])
    count, started = 0, time.perf_counter()
    while count < len(data) or time.perf_counter() - started < RENDER_SECONDS:
        render(data[count % len(data)])
        count += 1
    return count / (time.perf_counter() - started)


def _use_broker(url: str) -> None:
    """Send tasks from this process to `url` (Django settings were read before it was known)."""
    from elearn.celery import app

    if app.conf.broker_url == url:
        return
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}
    if app._pool is not None:  # a connection pool to the previous broker
        app._pool.force_close_all()
        app._pool = None


def _purge_broker() -> None:
    """Drop messages left in the queue (by an interrupted run or this one's failure)."""
    from elearn.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)


def _stored_files(certificates) -> int:
    from django.core.files.storage import default_storage

    return sum(1 for c in certificates if c.pdf and default_storage.exists(c.pdf.name))


def _remove_stored_files() -> None:
    from django.conf import settings

    shutil.rmtree(Path(settings.MEDIA_ROOT) / "certificates", ignore_errors=True)


class Worker(BackgroundProcess):
    """One Celery worker process (prefork, concurrency 1) in its own process group."""

    name = "the Celery worker"

    def __init__(self, log_path: Path, env: dict[str, str]):
        super().__init__(log_path, {**env, "CELERY_BROKER_URL": BROKER_URL})

    def command(self) -> list[str]:
        return [
            sys.executable, *(["-m", "cProfile", "-o", WORKER_PROFILE] if WORKER_PROFILE else []),
            "-m", "celery", "-A", "elearn", "worker",
            "--pool", POOL, "--concurrency", "1", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat", *WORKER_ARGS,
        ]  # fmt: skip

    def is_ready(self) -> bool:
        from elearn.celery import app

        return bool(app.control.ping(timeout=0.5))


def profile_certificates(count: int = 200) -> None:
    """cProfile of issuing `count` new completions' certificates in batches, in process (after
    a first batch not profiled)."""
    course, cohort = _course("bench-certificates-profile")
    _use_broker(BROKER_URL)  # issuing enqueues email tasks: to Redis, dropped at the end
    try:
        _issue_in_batches(_completed(course, cohort, 1, 5))
        ids = _completed(course, cohort, 6, count)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        _issue_in_batches(ids)
        profiler.disable()
    finally:
        _purge_broker()
        _remove_stored_files()
    each = (time.perf_counter() - started) / count * 1000
    print(f"\nProfile of {count} certificates issued in batches in process ({each:.1f} ms each):")
    # The service's own steps and what they spend on the database, rendering and the disk.
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(
        r"/certificates/(services|pdf)/\w+\.py|canvas\.py:\d+\(save\)|psycopg/cursor\.py:\d+\("
        r"execute\)|posix.fsync|posix.replace|mkstemp|zlib.compress|ttfonts\.py:\d+\(makeSubset",
        30,
    )
