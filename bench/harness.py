"""What every scenario uses: the bench database, gunicorn, sessions and the paired measurement."""

from __future__ import annotations

import abc
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench import BenchError
from bench.load import PythonClient, Request, RequestList, Run, Target, Wrk

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/elearn_bench"
)
# Redis, as in production: course outlines are read from the shared cache on every lesson page.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
HOST = "127.0.0.1"
WORKERS = 2


def bench_environ(var_dir: Path) -> dict[str, str]:
    """Environment shared by this process (setup, query counts) and gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ELEARN_READ_DOTENV": "0",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "ELEARN_VAR_DIR": str(var_dir),
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "WARNING",
    }


def _database_name() -> str:
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    # The database is dropped on every run: refuse anything not obviously made for the bench.
    if "bench" not in name:
        raise BenchError(f"refusing to drop database {name!r}: its name must contain 'bench'")
    return name


def _maintenance_connection():
    import psycopg

    url = urlsplit(DATABASE_URL)._replace(path="/postgres").geturl()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(f"cannot connect to PostgreSQL ({DATABASE_URL}): {exc}") from exc


def recreate_database() -> None:
    from psycopg import sql

    drop_database()
    with _maintenance_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_database_name())))


def keep_clean_copy() -> None:
    """Copy the migrated, still empty database aside, for fresh_database()."""
    from psycopg import sql

    name = _database_name()
    close_django_connections()
    with _maintenance_connection() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(_clean_copy(name)), sql.Identifier(name)
            )
        )


def fresh_database() -> None:
    """The database back to the migrated, empty copy, and the cache emptied (ids start again,
    so nothing cached may outlive the rows it was read from): a scenario measures its own data,
    not what the scenarios before it left. gunicorn must be stopped first."""
    from django.core.cache import cache
    from psycopg import sql

    name = _database_name()
    close_django_connections()
    with _maintenance_connection() as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(_clean_copy(name))
            )
        )
    cache.clear()


def drop_database() -> None:
    from psycopg import sql

    name = _database_name()
    with _maintenance_connection() as conn:
        for database in (name, _clean_copy(name)):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


def _clean_copy(name: str) -> str:
    return f"{name}_clean"


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    # With DEBUG off, static URLs come from the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class BackgroundProcess(abc.ABC):
    """A process started for the bench in its own process group, waited for until it is
    ready, and always stopped (also on error or Ctrl-C). Subclasses give the command, a name,
    and `is_ready()`."""

    name = "process"

    def __init__(self, log_path: Path, env: dict[str, str] | None = None):
        self.log_path = log_path
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line that starts the process."""

    @abc.abstractmethod
    def is_ready(self) -> bool:
        """Whether the process answers yet (polled until it does)."""

    def __enter__(self):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.command(), cwd=ROOT, env={**os.environ, **self.env}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited at start-up:\n{self.log()}")
            if self.is_ready():
                return
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # the main process stops its own children
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own group (start_new_session)
            self.proc.wait()


class Server(BackgroundProcess):
    """gunicorn with WORKERS sync workers serving bench.settings, in its own process group."""

    name = "gunicorn"

    def __init__(self, log_path: Path):
        super().__init__(log_path)
        self.port = _free_port()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "elearn.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(WORKERS),
            "--worker-class", "sync",
            "--log-level", "warning",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        try:
            status, _ = http_get(self.base_url, "/")
        except OSError:
            return False
        return status == 200


def http_get(base_url: str, path: str, headers: dict[str, str] | None = None):
    """One GET without following redirects: (status, body)."""
    return http_request(base_url, Request("GET", path, headers or {}))


def http_request(base_url: str, request: Request):
    """One request without following redirects: (status, body)."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        body = request.body.encode() or None
        conn.request(request.method, request.path, body=body, headers=request.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass(frozen=True)
class Comparison:
    page: list[float]
    reference: list[float]

    @property
    def page_rps(self) -> float:
        return statistics.median(self.page)

    @property
    def reference_rps(self) -> float:
        return statistics.median(self.reference)

    @property
    def ratio(self) -> float:
        return self.page_rps / self.reference_rps


@dataclass(frozen=True)
class ListComparison(Comparison):
    page_requests: int  # counted in the measured runs
    page_body_size: float  # mean, in the warm-up
    reference_body_size: float


# A list run first sends this many requests to learn the rate, then sizes the next run by it.
PROBE_REQUESTS = 100


def _count(rate: float, seconds: float) -> int:
    return max(PROBE_REQUESTS, round(rate * seconds))


@dataclass(frozen=True)
class ListSource:
    """Lists of requests to send once each: `make(n)` builds one (preparing the data for it)
    and `check(list)`, if given, verifies on the server what the run did."""

    make: Callable[[int], RequestList]
    check: Callable[[RequestList], None] | None = None


@dataclass
class Bench:
    server: Server
    load: Wrk | PythonClient
    seconds: float
    rounds: int
    warmup: float

    def session_headers(self, user) -> dict[str, str]:
        """Headers that make requests as `user`: a real session, created in the bench database."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}

    def fetch(self, path: str, headers: dict[str, str]) -> bytes:
        """The body of a signed-in 200 response from gunicorn; anything else stops the bench."""
        from django.urls import reverse

        status, body = http_get(self.server.base_url, path, headers)
        if status != 200:
            raise BenchError(f"GET {path} returned {status}, not 200 (session not accepted?)")
        if reverse("account_logout").encode() not in body:
            raise BenchError(f"GET {path} was not rendered for a signed-in user")
        return body

    def target(self, label: str, path: str, headers: dict[str, str]) -> Target:
        """A target whose body size is checked now, and again throughout the measurement."""
        size = len(self.fetch(path, headers))
        if len(self.fetch(path, headers)) != size:
            raise BenchError(f"GET {path}: the body size changes between requests")
        return Target(label, path, headers, size)

    def size_matched_reference(self, *, lesson_id: int, size: int, headers) -> Target:
        """The reference view (bench/views.py), padded to return exactly `size` bytes."""
        path = f"/bench/reference/{lesson_id}/"
        pad = 0
        # base.html repeats the request's path (with `?pad=N`), so adjust until the sizes agree.
        for _ in range(5):
            got = len(self.fetch(f"{path}?pad={pad}", headers))
            if got == size:
                return self.target("reference", f"{path}?pad={pad}", headers)
            pad += size - got
            if pad < 0:
                raise BenchError(f"the reference body ({got} B) is larger than {size} B")
        raise BenchError(f"could not pad the reference body to {size} B")

    def measure(self, target: Target, seconds: float) -> float:
        run = self.load.run(self.server.base_url, target, seconds)
        if run.bad_responses:
            raise BenchError(
                f"{target.label}: {run.bad_responses} of {run.requests} responses were not "
                f"200 with a {target.body_size} B body; the figures would be bogus.\n"
                f"{self.server.log()}"
            )
        return run.requests_per_second

    def measure_list(self, source: ListSource, count: int) -> Run:
        """One run of `count` requests sent once each; a bad response stops the bench."""
        batch = source.make(count)
        run = self.load.run_list(self.server.base_url, batch)
        if run.bad_responses:
            raise BenchError(
                f"{batch.label}: {run.bad_responses} of {len(batch.requests)} requests sent got "
                f"no 200 response with {batch.expect!r} in the body (first: "
                f"{run.first_bad or 'a lost connection'}); the figures would be bogus.\n"
                f"{self.server.log()}"
            )
        if source.check is not None:
            source.check(batch)
        return run

    def compare_lists(self, page: ListSource, reference: ListSource) -> ListComparison:
        """As compare, for requests that are sent once each (see bench/load.py): every run is
        a list long enough to last about `seconds` at the rate of the side's previous run."""
        rates, runs = {}, {"page": [], "reference": []}
        sizes = {}
        for side, source in (("reference", reference), ("page", page)):
            probe = self.measure_list(source, PROBE_REQUESTS)
            warm = self.measure_list(source, _count(probe.requests_per_second, self.warmup))
            rates[side] = warm.requests_per_second
            sizes[side] = warm.body_bytes / warm.requests
        for _ in range(self.rounds):
            for side, source in (("reference", reference), ("page", page)):
                run = self.measure_list(source, _count(rates[side], self.seconds))
                rates[side] = run.requests_per_second
                runs[side].append(run)
        return ListComparison(
            [r.requests_per_second for r in runs["page"]],
            [r.requests_per_second for r in runs["reference"]],
            page_requests=sum(r.requests for r in runs["page"]),
            page_body_size=sizes["page"],
            reference_body_size=sizes["reference"],
        )

    def compare(self, page: Target, reference: Target) -> Comparison:
        """Warm up both, then alternate reference and page runs; every run is kept."""
        [comparison] = self.compare_pairs([(page, reference)])
        return comparison

    def compare_pairs(self, pairs: list[tuple[Target, Target]]) -> list[Comparison]:
        """As compare, for several pages each with its reference, in one alternation (each
        round: the first reference, the first page, the second reference, ...), so that drift
        on the machine affects every page alike."""
        for page, reference in pairs:
            for target in (reference, page):
                self.measure(target, self.warmup)
        runs = [([], []) for _ in pairs]
        for _ in range(self.rounds):
            for (page, reference), (page_runs, reference_runs) in zip(pairs, runs, strict=True):
                reference_runs.append(self.measure(reference, self.seconds))
                page_runs.append(self.measure(page, self.seconds))
        return [Comparison(page_runs, reference_runs) for page_runs, reference_runs in runs]


def print_comparison(label: str, comparison: Comparison, *, target_ratio: float | None) -> None:
    for name, median, runs in (
        (label, comparison.page_rps, comparison.page),
        ("reference", comparison.reference_rps, comparison.reference),
    ):
        runs_text = ", ".join(f"{r:.0f}" for r in runs)
        print(f"  {name + ' requests/s':<26}{median:>9.1f}   (runs: {runs_text})")
    # Each page run follows its reference run: the spread of these pairs shows the noise.
    pairs = ", ".join(
        f"{p / r:.2f}" for p, r in zip(comparison.page, comparison.reference, strict=True)
    )
    if target_ratio is None:
        verdict = f"no target; per round: {pairs}"
    else:
        meets = "meets" if comparison.ratio >= target_ratio else "below"
        verdict = f"target >= {target_ratio} ({meets}; per round: {pairs})"
    print(f"  {'ratio ' + label + '/reference':<26}{comparison.ratio:>9.2f}   {verdict}")


def count_queries(path: str, user) -> int:
    """SQL queries for one signed-in GET of `path`, in this process (after one warm-up GET)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} returned {response.status_code} in process")
    return len(queries)


def count_api_queries(path: str, token: str, *, body: str = "{}") -> tuple[int, bytes]:
    """SQL queries for one token-authenticated JSON POST of `path`, in this process, and the
    response body (the caller warms up with a request of its own: a write may not repeat)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"Authorization": f"Token {token}"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, body, content_type="application/json")
    if response.status_code != 200:
        raise BenchError(f"POST {path} returned {response.status_code} in process")
    return len(queries), response.content


def close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
