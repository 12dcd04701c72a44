"""The `certificates` scenario: certificates issued per second end to end by one Celery worker
process, and by two.

Completed enrolments are made in this process, then their completion event is sent for each,
as the request that completed it does after its commit: the first asks a worker for new
certificates (one message for the burst, certificates.services.waiting), and the worker
processes (prefork, concurrency 1 each, as deployed) on the bench PostgreSQL database and Redis
as broker issue them a batch at a time (issue_certificates_task around issue_certificates:
records, renders, stored files, marked issued, one email task per batch). A run's rate is
CERTIFICATES over the time from the first event to the last certificate's issued_at (stamped as
it is marked issued); this process looks at the database every POLL seconds only, with a count
over a range of ids that costs it and PostgreSQL a fraction of a millisecond, so as not to take
the processor from the workers. Before its first run, each worker issues WARMUP
certificates (not timed) from a queue of its own: its child registers its fonts on the first
render.

Two kinds of run. *Live*: the events are sent while the workers issue, as completions come in
on a deployment. *Backlog*: the events are sent while the workers are paused (SIGSTOP), and the
clock starts when they go on (SIGCONT): the completions of a cohort's last day waiting for the
workers. The scaling from one worker to two is measured on backlogs: sending 1,200 events takes
this process (standing in for the web processes, which a deployment runs on other machines)
about 0.6 s of processor, which on a machine of two processors a second worker would otherwise
share with it; the live scaling is printed beside it.

Rounds alternate (`--rounds`, medians reported): one worker, live; the bare render, in this
process, of the certificates it just issued, each once as issuing renders them (rendered again,
a name's shaped lines would come from the renderer's cache); one worker, backlog; then a second
worker started beside the first (warmed up, stopped after the round): two workers, backlog,
then live. So what drifts on a shared machine affects every side alike. Printed: the live rate
with one worker against TARGET_RATE and, as a ratio to the bare render, against TARGET_RATIO
(what issuing adds to rendering); the rates with two and the scaling from one to two, on
backlogs against TARGET_SCALING (on a machine with two processors or more) and live, beside the
machine's own scaling (the bare render in two processes at once, to one: _render_scaling); the same
batches issued in this process (no broker, no worker); on Linux, the workers' processor time per
certificate beside the bare render's, which other work on the machine moves least.
`--profile certificates` prints a cProfile of batches in process; BENCH_CELERY_POOL,
BENCH_CELERY_WORKER_ARGS and BENCH_CELERY_PROFILE (below) vary or profile the workers, which also
take this process's environment (CELERY_DB_REUSE_MAX, say).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import BenchError
from bench.data import bulk_participants
from bench.harness import BackgroundProcess, Bench

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
# Per run: 24 batches, 12 for each of two workers, so that a run's first and last batch (a worker
# waiting for the other) weigh little.
CERTIFICATES = 1200
WARMUP = 20  # per worker, not timed
TARGET_RATE = 150.0  # per second, one worker process
TARGET_RATIO = 0.5  # one worker process's rate to the bare render rate
TARGET_SCALING = 1.7  # two worker processes' rate to one's, with two processors or more
TIMEOUT = 120.0  # for one run, in seconds
POLL = 0.05  # seconds between looks at the database while the workers issue
# As deployed: a prefork worker (its main process takes messages, its child runs the task).
POOL = os.environ.get("BENCH_CELERY_POOL", "prefork")
# More worker options to try, e.g. "--prefetch-multiplier 4" (settings say 1).
WORKER_ARGS = os.environ.get("BENCH_CELERY_WORKER_ARGS", "").split()
# A path to write a cProfile of each worker's main process to (PATH.one, PATH.two; with
# BENCH_CELERY_POOL=solo, the tasks run in it).
WORKER_PROFILE = os.environ.get("BENCH_CELERY_PROFILE", "")


def certificates(bench: Bench) -> None:
    """Certificates per second end to end with one worker process and with two, against the
    bare render rate, in alternating rounds."""
    from certificates.models import Certificate
    from certificates.pdf import render_certificate
    from certificates.services import certificate_data

    course, cohort = _course("bench-certificates")
    people = _People(course, cohort)
    _use_broker(BROKER_URL)
    _purge_broker()
    var_dir = Path(os.environ["ELEARN_VAR_DIR"])
    bare, one, two, issued_ids = [], [], [], []
    backlog = {"one": [], "two": []}  # rates on backlogs
    ceiling = []  # the bare render in two processes at once, to one process
    cpu = {"bare": [], "one": [], "two": []}  # processor ms per certificate
    try:
        with Worker(var_dir / "worker-one.log", "one") as first:
            first.warm_up(people)
            for _ in range(bench.rounds):
                seconds, ms, ids = _issue(people, [first])
                one.append(CERTIFICATES / seconds)
                cpu["one"].append(ms)
                issued_ids += ids
                just_issued = Certificate.objects.filter(enrolment_id__in=ids)
                data = [certificate_data(c) for c in just_issued.select_related("enrolment")]
                rate, ms = _render_rate(render_certificate, data)
                bare.append(rate)
                cpu["bare"].append(ms)
                ceiling.append(_render_scaling(render_certificate, data))
                seconds, _ms, ids = _issue(people, [first], backlog=True)
                backlog["one"].append(CERTIFICATES / seconds)
                issued_ids += ids
                with Worker(var_dir / "worker-two.log", "two") as second:
                    second.warm_up(people)
                    seconds, _ms, ids = _issue(people, [first, second], backlog=True)
                    backlog["two"].append(CERTIFICATES / seconds)
                    issued_ids += ids
                    seconds, ms, ids = _issue(people, [first, second])
                two.append(CERTIFICATES / seconds)
                cpu["two"].append(ms)
                issued_ids += ids
        stored = _stored_files(Certificate.objects.filter(enrolment_id__in=issued_ids))
        if stored != len(issued_ids):
            raise BenchError(f"{stored} PDF files stored for {len(issued_ids)} certificates issued")

        # The same batches issued here: what the broker and the worker add.
        in_process_ids = people.completed(CERTIFICATES)
        started = time.perf_counter()
        _issue_in_batches(in_process_ids)
        in_process = CERTIFICATES / (time.perf_counter() - started)
    finally:
        _purge_broker()
        _remove_stored_files()

    end_to_end, with_two = statistics.median(one), statistics.median(two)
    ratio = end_to_end / statistics.median(bare)
    backlog_one, backlog_two = statistics.median(backlog["one"]), statistics.median(backlog["two"])
    scaling = backlog_two / backlog_one
    cpus = os.cpu_count() or 1
    print(
        f"\nCertificates: {CERTIFICATES:,} completions a run (English course, Latin names), their "
        f"events sent at once, issued by Celery\n  workers ({POOL}, concurrency 1 each) on "
        f"PostgreSQL with Redis as broker, in batches: records, a render and a stored PDF "
        f"(fsync,\n  rename) each, marked issued, participants emailed; {bench.rounds} rounds "
        f"alternating one worker live, bare render,\n  one worker on a backlog, two workers on a "
        f"backlog and live; medians"
    )
    print(f"  {'end to end per second':<26}{end_to_end:>9.1f}   one worker process, live "
          f"({_runs(one)}), first completion event\n{'':<39}to last marked issued; "
          f"target >= {TARGET_RATE:g}: {_verdict(end_to_end >= TARGET_RATE)}")  # fmt: skip
    print(f"  {'  two worker processes':<26}{with_two:>9.1f}   live ({_runs(two)}); scaling "
          f"{with_two / end_to_end:.2f}, with this process\n{'':<39}sending the events on the "
          f"same two processors")  # fmt: skip
    print(f"  {'backlog, one worker':<26}{backlog_one:>9.1f}   ({_runs(backlog['one'])}), "
          f"events sent while the workers were paused")  # fmt: skip
    print(f"  {'  two worker processes':<26}{backlog_two:>9.1f}   ({_runs(backlog['two'])})")
    pairs = _pairs(backlog["two"], backlog["one"])
    if cpus >= 2:
        scaling_verdict = (
            f"target >= {TARGET_SCALING:g} ({_verdict(scaling >= TARGET_SCALING)}; per round: "
            f"{pairs})"
        )
    else:
        scaling_verdict = f"no target on {cpus} processor (per round: {pairs})"
    print(f"  {'scaling two/one, backlog':<26}{scaling:>9.2f}   {scaling_verdict}")  # fmt: skip
    print(f"  {'  machine two/one':<26}{statistics.median(ceiling):>9.2f}   the bare render in "
          f"two processes at once, to one ({_runs(ceiling, 2)}):\n{'':<39}the most two "
          f"processes of pure computation gain here, with nothing else to do")  # fmt: skip
    print(f"  {'in process per second':<26}{in_process:>9.1f}   "
          f"the same batches issued here: no broker, no worker")  # fmt: skip
    print(f"  {'bare render per second':<26}{statistics.median(bare):>9.1f}   "
          f"render_certificate of the same certificates' data, in this process "
          f"({_runs(bare)})")  # fmt: skip
    print(f"  {'ratio end-to-end/bare':<26}{ratio:>9.2f}   "
          f"target >= {TARGET_RATIO:g} ({_verdict(ratio >= TARGET_RATIO)}; per round: "
          f"{_pairs(one, bare)})")  # fmt: skip
    if all(cpu["one"]):  # the workers' processor time is read from /proc (Linux)
        one_ms, two_ms, bare_ms = (statistics.median(cpu[side]) for side in ("one", "two", "bare"))
        print(f"  {'processor ms/certificate':<26}{one_ms:>9.2f}   the worker's processes, all "
              f"the run's work (emails too); {two_ms:.2f} with two\n{'':<39}workers; bare render "
              f"{bare_ms:.2f}, ratio {bare_ms / one_ms:.2f}: what load on the machine changes "
              f"least")  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  {'load average now':<26}{load:>18}   (1, 5, 15 min) on {cpus} processors")
    if end_to_end < TARGET_RATE or ratio < TARGET_RATIO:
        print(
            "  below target: `bench/run.py certificates --profile certificates` shows where an "
            "issue's time goes"
        )


def _runs(rates: list[float], digits: int = 0) -> str:
    return "runs: " + ", ".join(f"{r:.{digits}f}" for r in rates)


def _pairs(above: list[float], below: list[float]) -> str:
    return ", ".join(f"{a / b:.2f}" for a, b in zip(above, below, strict=True))


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


def _issue(
    people: _People, workers: list[Worker], *, backlog: bool = False
) -> tuple[float, float, list[int]]:
    """CERTIFICATES new completions issued by the workers: their events sent, seconds from the
    first (with `backlog`: sent while the workers were paused, from when they go on) to the last
    certificate marked issued. Returns once the workers are idle again (every participant
    emailed), with the workers' processor ms per certificate and the enrolment ids."""
    from django.db.models import Max

    from certificates.models import Certificate, CertificateStatus
    from courses.events import course_completed
    from courses.models import Enrolment

    ids = people.completed(CERTIFICATES)
    processor = sum(worker.processor_seconds() for worker in workers)
    if backlog:
        for worker in workers:
            worker.pause()
    started = time.time()  # the clock of issued_at, on this machine
    for enrolment_id in ids:
        course_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    if backlog:
        started = time.time()
        for worker in workers:
            worker.go_on()
    # The ids of one bulk insert are consecutive: the range is an index scan, the list of ids
    # would be 1,200 parameters to build and parse every POLL.
    if max(ids) - min(ids) != len(ids) - 1:
        raise BenchError("the enrolment ids of a run are not consecutive")
    issued = Certificate.objects.filter(
        enrolment_id__gte=min(ids), enrolment_id__lte=max(ids), status=CertificateStatus.ISSUED
    )
    _wait_for(lambda: issued.count() == len(ids), "certificates issued")
    last = issued.aggregate(last=Max("issued_at"))["last"].timestamp()
    _wait_for(lambda: not issued.filter(emailed_at__isnull=True).exists(), "participants emailed")
    processor = sum(worker.processor_seconds() for worker in workers) - processor
    # Tasks left (the next batch after a full last one, finding nothing) are no run's work.
    _purge_broker()
    return last - started, processor * 1000 / CERTIFICATES, ids


def _wait_for(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise BenchError(f"not all {what} after {TIMEOUT:g} s")
        time.sleep(POLL)


def _render_rate(render, data: list) -> tuple[float, float]:
    """Renders per second of `data`, each once, as issuing renders them (the renderer caches
    shaped lines: a name rendered again costs less than the first time), and processor ms per
    render. The first is not timed: a process registers its fonts on its first render."""
    render(data[0])
    started, processor = time.perf_counter(), time.process_time()
    for each in data[1:]:
        render(each)
    processor = time.process_time() - processor
    return (len(data) - 1) / (time.perf_counter() - started), processor * 1000 / (len(data) - 1)


def _render_scaling(render, data: list) -> float:
    """Renders per second of `data` by two processes at once, to one process alone: what this
    machine gives a second process of pure computation (processors shared with other tenants,
    their caches and memory bandwidth), the ceiling of a second worker's gain. Each process is
    forked from this one (so each starts with the same renderer caches) and renders every item
    once."""
    import multiprocessing

    context = multiprocessing.get_context("fork")

    def rate(processes: int) -> float:
        ready, start, results = context.Queue(), context.Event(), context.Queue()

        def run() -> None:
            render(data[0])  # as _render_rate: the first is not timed
            ready.put(True)
            start.wait()
            started = time.perf_counter()
            for each in data[1:]:
                render(each)
            results.put(time.perf_counter() - started)

        children = [context.Process(target=run) for _ in range(processes)]
        for child in children:
            child.start()
        for _child in children:
            ready.get(timeout=TIMEOUT)
        start.set()
        slowest = max(results.get(timeout=TIMEOUT) for _ in children)
        for child in children:
            child.join()
        return processes * (len(data) - 1) / slowest

    alone = rate(1)
    return rate(2) / alone


def _use_broker(url: str) -> None:
    """Send tasks from this process to `url` (Django settings were read before it was known)."""
    from elearn.celery import app

    if app.conf.broker_url == url:
        return
    app.conf.broker_url = url
    app.conf.broker_transport = None  # settings name the filesystem transport without a broker
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
    """One Celery worker process (concurrency 1) in its own process group, named `name`: it
    takes the platform's queue and one of its own, for its warm-up."""

    def __init__(self, log_path: Path, name: str):
        super().__init__(log_path, {"CELERY_BROKER_URL": BROKER_URL})
        self.name = f"the Celery worker {name!r}"
        self.hostname = f"{name}@bench"
        self.queue = f"bench-{name}"
        self.profile = f"{WORKER_PROFILE}.{name}" if WORKER_PROFILE else ""

    def command(self) -> list[str]:
        from elearn.celery import app

        return [
            sys.executable, *(["-m", "cProfile", "-o", self.profile] if self.profile else []),
            "-m", "celery", "-A", "elearn", "worker", "--hostname", self.hostname,
            "--queues", f"{app.conf.task_default_queue},{self.queue}",
            "--pool", POOL, "--concurrency", "1", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat", *WORKER_ARGS,
        ]  # fmt: skip

    def is_ready(self) -> bool:
        from elearn.celery import app

        return bool(app.control.ping(destination=[self.hostname], timeout=0.5))

    def pause(self) -> None:
        """Stop the worker's processes (SIGSTOP to its process group): messages wait for it."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def go_on(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    def processor_seconds(self) -> float:
        """Processor time of the worker's processes so far, read from /proc (0 elsewhere)."""
        return _processor_seconds(self.proc.pid)

    def warm_up(self, people: _People) -> None:
        """WARMUP certificates issued by this worker (its own queue), and their emails sent."""
        from certificates.models import Certificate
        from certificates.tasks import issue_certificates_task

        ids = people.completed(WARMUP)
        issue_certificates_task.apply_async([ids], queue=self.queue)
        emailed = Certificate.objects.filter(enrolment_id__in=ids, emailed_at__isnull=False)
        _wait_for(lambda: emailed.count() == len(ids), f"{WARMUP} warm-up certificates emailed")
        _purge_broker()


def _processor_seconds(pid: int) -> float:
    """Processor time of a process (all its threads) and its descendants, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for thread in Path(f"/proc/{pid}/task").iterdir()
            for child in (thread / "children").read_text().split()
        ]
    except OSError:  # not Linux, or the process is gone
        return 0.0
    own = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(_processor_seconds(child) for child in children)


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
