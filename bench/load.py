"""Load tools: wrk, or a small Python client when wrk cannot be had."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
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
class Run:
    requests_per_second: float
    requests: int
    bad_responses: int  # status other than 2xx, or fewer bytes than expected


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
