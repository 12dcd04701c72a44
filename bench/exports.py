"""The `exports` scenario: the completion rows of 100,000 enrolments exported, against
PostgreSQL's own COPY of the same rows (target <= 3x), and as XLSX (target <= 15 s, memory
bounded).

Data: the `reports` scenario's (bench/reports.py: 100,000 enrolments of 70,000 participants with
lessons done, quiz attempts and certificates), seeded once whichever scenario runs first.

Measured, medians of ROUNDS runs:
- COPY: `COPY (<the export's own query>) TO STDOUT (FORMAT csv, HEADER)` through psycopg in this
  process, every byte read: the floor for reading these rows out of PostgreSQL as CSV.
- CSV over the API, streamed: POST /api/v1/exports/ {"kind": "completions", "format": "csv"}
  with a token, to the last byte, through a gunicorn of its own whose EXPORT_STREAM_MAX_ROWS
  lets all the rows stream (by default more than 10,000 rows are a background job). Ratio to
  COPY, target <= 3.
- The same as a background job, as deployed (default threshold): the POST (201), the job run
  in a fresh process as a worker runs it (reports.exports.jobs.run_export), the file's download
  through gunicorn; each step's time and the job process's peak RSS (Linux's VmHWM) beside
  its peak before the job (Django loaded), so what the export adds shows.
- XLSX of the same rows as a background job, likewise: target <= 15 s for the job; its peak RSS
  shows that memory does not grow with the rows (XlsxWriter's constant-memory mode).
`bench/run.py exports` runs this scenario alone (seeding takes a minute or two).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import BenchError
from bench.harness import ROOT, Bench, Server

ROUNDS = 3
COPY_TARGET_RATIO = 3.0
XLSX_TARGET_SECONDS = 15.0
TIMEOUT = 600  # seconds for one request


def exports(bench: Bench) -> None:
    """The completion rows as CSV (streamed and as a job) against COPY, and as XLSX."""
    from accounts.services import issue_api_token
    from reports.exports.kinds import COMPLETION_VALUES, KINDS
    from reports.filters import ReportFilters
    from reports.queries import list_report_rows

    admin, seeded = _seeded_admin()
    token = issue_api_token(admin).key
    rows = list_report_rows(ReportFilters())
    count = rows.count()
    query = rows.values_list(*COMPLETION_VALUES)
    columns = len(KINDS["completions"].table(admin, {}).columns)  # no query until read

    copy = [_copy(query) for _ in range(ROUNDS)]
    copy_seconds, copy_bytes = statistics.median(s for s, _b in copy), copy[0][1]
    var_dir = Path(os.environ["ELEARN_VAR_DIR"])
    with _StreamingServer(var_dir / "gunicorn-exports.log", max_rows=10 * count) as server:
        streamed = [_post(server.base_url, token, "csv") for _ in range(ROUNDS)]
    if any(status != 200 for status, *_rest in streamed):
        raise BenchError(f"the streamed export answered {streamed[0][0]}, not 200")
    api_seconds = statistics.median(s for _status, s, _b in streamed)
    csv_job = _job(bench, token, "csv")
    xlsx_job = _job(bench, token, "xlsx")

    ratio = api_seconds / copy_seconds
    print(
        f"\nExports: the completion rows of {count:,} enrolments ({len(COMPLETION_VALUES)} "
        f"columns from the database, {columns} in the file){seeded}\n"
        f"  medians of {ROUNDS} runs; the CSV's size {streamed[0][2] / 1e6:.1f} MB, COPY's "
        f"{copy_bytes / 1e6:.1f} MB"
    )
    runs = ", ".join(f"{s:.2f}" for s, _b in copy)
    print(f"  {'COPY ... TO STDOUT (s)':<34}{copy_seconds:>7.2f}   (runs: {runs})")
    runs = ", ".join(f"{s:.2f}" for _status, s, _b in streamed)
    print(f"  {'CSV over the API, streamed (s)':<34}{api_seconds:>7.2f}   (runs: {runs})")
    verdict = "meets" if ratio <= COPY_TARGET_RATIO else "ABOVE"
    print(f"  {'ratio API/COPY':<34}{ratio:>7.2f}   target <= {COPY_TARGET_RATIO:g} ({verdict})")
    for label, job in (("CSV", csv_job), ("XLSX", xlsx_job)):
        print(
            f"  {label + ' as a background job (s)':<34}{job['total']:>7.2f}   (POST "
            f"{job['post']:.2f}, job {job['job']:.2f}, download {job['download']:.2f}; "
            f"{job['bytes'] / 1e6:.1f} MB)"
        )
        print(
            f"  {'  job process peak RSS (MB)':<34}{job['peak_rss']:>7.0f}   (before the job, "
            f"Django loaded: {job['base_rss']:.0f} MB)"
        )
    verdict = "meets" if xlsx_job["job"] <= XLSX_TARGET_SECONDS else "ABOVE"
    print(f"  {'XLSX job against its target':<34}{xlsx_job['job']:>7.2f}   target <= "
          f"{XLSX_TARGET_SECONDS:g} s ({verdict})")  # fmt: skip


def _seeded_admin():
    """The reports scenario's admin, seeding its data first if that scenario has not run."""
    from accounts.models import User
    from bench import reports

    admin = User.objects.filter(email=reports.ADMIN_EMAIL).first()
    if admin is not None:
        return admin, ""
    started = time.perf_counter()
    admin, _courses = reports.seed()  # the one seeding of these rows (bench/reports.py)
    return admin, f"; seeded in {time.perf_counter() - started:.0f} s"


def _copy(query) -> tuple[float, int]:
    """PostgreSQL's COPY of the export's own query as CSV, every byte read: (seconds, bytes)."""
    import psycopg
    from django.db import connection

    sql, params = query.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    statement = psycopg.ClientCursor(raw).mogrify(sql, params)
    started = time.perf_counter()
    size = 0
    copy_to_stdout = f"COPY ({statement}) TO STDOUT (FORMAT csv, HEADER)"
    with raw.cursor() as cursor, cursor.copy(copy_to_stdout) as copy:
        for data in copy:
            size += len(data)
    return time.perf_counter() - started, size


def _post(base_url: str, token: str, format: str) -> tuple[int, float, int]:
    """POST /api/v1/exports/ for every completion row, read to the last byte:
    (status, seconds, bytes)."""
    url = urlsplit(base_url)
    body = json.dumps({"kind": "completions", "format": format, "parameters": {}})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        conn.request("POST", "/api/v1/exports/", body=body, headers=headers)
        response = conn.getresponse()
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
        return response.status, time.perf_counter() - started, size
    finally:
        conn.close()


def _get(base_url: str, path: str, token: str) -> tuple[int, float, int]:
    url = urlsplit(base_url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
        return response.status, time.perf_counter() - started, size
    finally:
        conn.close()


def _job(bench: Bench, token: str, format: str) -> dict:
    """The export as deployed: the POST answers with a job, a worker prepares the file (here a
    fresh process running the job's service, measured), the requester downloads it."""
    from reports.models import ExportJob

    started = time.perf_counter()
    url = urlsplit(bench.server.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        body = json.dumps({"kind": "completions", "format": format, "parameters": {}})
        conn.request("POST", "/api/v1/exports/", body=body,
                     headers={"Authorization": f"Token {token}",
                              "Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        answer = response.read()
    finally:
        conn.close()
    post = time.perf_counter() - started
    if response.status != 201:
        raise BenchError(f"POST /api/v1/exports/ ({format}) answered {response.status}: "
                         f"{answer[:300]!r}")  # fmt: skip
    job_id = json.loads(answer)["id"]
    worker = _run_job_in_a_fresh_process(job_id)
    job = ExportJob.objects.get(pk=job_id)
    if job.status != "done":
        raise BenchError(f"the {format} job ended {job.status}: {job.error}")
    status, download, size = _get(bench.server.base_url, f"/api/v1/exports/{job_id}/file/", token)
    if status != 200:
        raise BenchError(f"the {format} job's file answered {status}")
    job.file.delete(save=False)
    return {
        "post": post,
        "job": worker["seconds"],
        "download": download,
        "total": post + worker["seconds"] + download,
        "bytes": size,
        "peak_rss": worker["peak_rss"],
        "base_rss": worker["base_rss"],
    }


# Run in the child: the job's service, as run_export_task runs it, timed, with the process's
# peak resident memory before and after: VmHWM, the high-water mark of this process's own memory
# (ru_maxrss would also count the bench process it was forked from).
_CHILD = """
import json, sys, time
import django
django.setup()
from reports.exports.jobs import run_export

def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

base = peak_mb()
started = time.perf_counter()
finished = run_export(int(sys.argv[1]))
seconds = time.perf_counter() - started
print(json.dumps({"finished": finished, "seconds": seconds, "base_rss": base,
                  "peak_rss": peak_mb()}))
"""


def _run_job_in_a_fresh_process(job_id: int) -> dict:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "1"}  # the ready email: sent in process
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(job_id)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"the job process failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class _StreamingServer(Server):
    """The bench's gunicorn, with a stream limit above the rows: the whole export is sent at
    once instead of becoming a job, so the export itself is what is timed."""

    name = "gunicorn (exports streamed)"

    def __init__(self, log_path: Path, *, max_rows: int):
        super().__init__(log_path)
        self.env = {"EXPORT_STREAM_MAX_ROWS": str(max_rows)}
