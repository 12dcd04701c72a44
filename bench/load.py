"""Load tools: wrk, or a small Python client when wrk cannot be had.

Both have two ways to run: `run` repeats one request for some seconds (pages), and `run_list`
sends each request of a list exactly once (submissions, which cannot be repeated). A list run
measures the window in which every connection is busy: from the first request to the moment the
list runs out; responses still in flight then are not counted (the caller can check on the
server that they were handled).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench import BenchError


@dataclass(frozen=True)
class Target:
    """A request to measure and what a correct response looks like."""

    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body_size: int = 0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""  # JSON text (sent as it is, with the headers given), or nothing


@dataclass(frozen=True)
class RequestList:
    """Requests that are each sent exactly once, such as submissions of different attempts.

    A good response is a 200 whose body contains `expect`.
    """

    label: str
    requests: tuple[Request, ...]
    expect: str


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    requests: int
    # run: status other than 2xx, or fewer bytes than expected; run_list: no 200 response with
    # the expected text (including requests lost with their connection)
    bad_responses: int
    body_bytes: int = 0  # of the responses counted (run_list only)
    first_bad: str = ""  # the first bad response: status and start of the body (run_list only)


class Wrk:
    name = "wrk"

    def __init__(self, connections: int):
        self.connections = connections

    def run(self, base_url: str, target: Target, seconds: float) -> Run:
        command = ["wrk", "-t1", f"-c{self.connections}", f"-d{max(1, round(seconds))}s"]
        for name, value in target.headers.items():
            command += ["-H", f"{name}: {value}"]
        result = subprocess.run(
            [*command, base_url + target.path], capture_output=True, text=True, check=False
        )
        out = result.stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read", out)
        if result.returncode != 0 or not rps or not total:
            raise BenchError(f"wrk failed:\n{out}{result.stderr}")
        requests = int(total.group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        bad_responses = int(bad.group(1)) if bad else 0
        # wrk counts 3xx as success: a redirect to the sign-in page must not pass for a page.
        # Headers come on top of the body, so fewer bytes than the bodies means wrong responses.
        units = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
        read = float(total.group(2)) * units[total.group(3)]
        if requests and read < 0.99 * requests * target.body_size:
            short = requests - int(read / target.body_size)  # an estimate: wrk only counts bytes
            bad_responses = max(bad_responses, short, 1)
        return Run(float(rps.group(1)), requests, bad_responses)

    def run_list(self, base_url: str, batch: RequestList) -> Run:
        """Each request once (bench/wrk_list.lua walks the list; wrk's -d is only a cap)."""
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", prefix="bench-list-") as listing:
            for item in batch.requests:
                fields = [item.method, item.path, item.body]
                fields += [f"{name}: {value}" for name, value in item.headers.items()]
                if any("\t" in f or "\n" in f for f in fields):
                    raise BenchError(f"{batch.label}: a request has a tab or a newline in it")
                listing.write("\t".join(fields) + "\n")
            listing.flush()
            cap = 120 + len(batch.requests) // 5  # seconds; only reached if the server stalls
            command = ["wrk", "-t1", f"-c{self.connections}", f"-d{cap}s", "-s", str(_WRK_LIST)]
            result = subprocess.run(
                [*command, base_url, "--", listing.name, batch.expect],
                capture_output=True,
                text=True,
                check=False,
            )
        out = result.stdout
        line = re.search(
            r"bench-list answered=(\d+) bad=(\d+) seconds=([\d.]+) bytes=(\d+) first_bad=(.*)",
            out,
        )
        if result.returncode != 0 or not line:
            raise BenchError(f"wrk failed:\n{out}{result.stderr}")
        answered, bad, body_bytes = (int(line.group(n)) for n in (1, 2, 4))
        seconds = float(line.group(3))
        if seconds <= 0:
            raise BenchError(
                f"{batch.label}: the list of {len(batch.requests)} requests did not run out "
                f"within {cap} s ({answered} answered):\n{out}"
            )
        # Connections that fail are retried by wrk with the next request: a lost request.
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
        lost = sum(int(n) for n in errors.groups()) if errors else 0
        return Run(answered / seconds, answered, bad + lost, body_bytes, line.group(5).strip())


_WRK_LIST = Path(__file__).with_name("wrk_list.lua")


class PythonClient:
    """Fallback load tool: keep-alive connections in threads (slower than wrk, same ratio idea)."""

    name = "built-in Python client"

    def __init__(self, connections: int):
        self.connections = connections

    def run(self, base_url: str, target: Target, seconds: float) -> Run:
        url = urlsplit(base_url)
        counts = [[0, 0] for _ in range(self.connections)]  # [requests, bad] per thread
        deadline = time.monotonic() + seconds

        def worker(tally: list[int]) -> None:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
            while time.monotonic() < deadline:
                try:
                    conn.request("GET", target.path, headers=target.headers)
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                    continue
                tally[0] += 1
                if response.status != 200 or len(body) != target.body_size:
                    tally[1] += 1
                if response.will_close:  # gunicorn's sync workers close after each response
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
            conn.close()

        threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in counts]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        requests = sum(c[0] for c in counts)
        return Run(requests / elapsed, requests, sum(c[1] for c in counts))

    def run_list(self, base_url: str, batch: RequestList) -> Run:
        """Each request once, taken in turn by the connections (threads)."""
        url = urlsplit(base_url)
        pending = iter(batch.requests)
        lock = threading.Lock()
        expect = batch.expect.encode()
        # Totals of the window (first request to the list running out), and its ends.
        state = {"answered": 0, "bad": 0, "bytes": 0, "first": None, "last": None, "first_bad": ""}

        def take() -> Request | None:
            with lock:
                item = next(pending, None)
                if item is None and state["last"] is None:
                    state["last"] = time.monotonic()
                elif item is not None and state["first"] is None:
                    state["first"] = time.monotonic()
                return item

        def record(status: int | str, body: bytes) -> None:
            with lock:
                if state["last"] is None:  # in the window
                    state["answered"] += 1
                    state["bytes"] += len(body)
                if status != 200 or expect not in body:  # checked also after the window
                    state["bad"] += 1
                    if not state["first_bad"]:
                        state["first_bad"] = f"{status} {body[:300].decode(errors='replace')}"

        def worker() -> None:
            conn = None
            while (item := take()) is not None:
                conn = conn or http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                try:
                    conn.request(
                        item.method,
                        item.path,
                        body=item.body.encode() or None,
                        headers=item.headers,
                    )
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = None
                    record(type(exc).__name__, b"")  # lost: never retried (it may have counted)
                    continue
                record(response.status, body)
                if response.will_close:
                    conn.close()
                    conn = None
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if state["first"] is None:
            raise BenchError(f"{batch.label}: no requests to send")
        seconds = state["last"] - state["first"]
        return Run(
            state["answered"] / seconds,
            state["answered"],
            state["bad"],
            state["bytes"],
            state["first_bad"],
        )


def choose_load_tool(preference: str, connections: int):
    if preference in ("auto", "wrk") and not shutil.which("wrk"):
        _install_wrk()
    if preference != "python" and shutil.which("wrk"):
        return Wrk(connections)
    if preference == "wrk":
        raise BenchError("wrk is not installed: run `apt-get install wrk` as root.")
    return PythonClient(connections)


def _install_wrk() -> None:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            "wrk not found; install it (Debian/Ubuntu: `sudo apt-get install wrk`) for steadier "
            "figures. Using the built-in Python client.",
            file=sys.stderr,
        )
        return
    print("Installing wrk with apt-get...", file=sys.stderr)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, capture_output=True, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, check=False)
        subprocess.run(install, capture_output=True, env=env, check=False)
    if not shutil.which("wrk"):
        print("Could not install wrk; using the built-in Python client.", file=sys.stderr)
