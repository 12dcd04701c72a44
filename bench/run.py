"""elearn benchmark: `make bench` (or `.venv/bin/python bench/run.py --help`).

What is measured. Throughput (requests per second) of pages for a signed-in participant and of
quiz submissions through the API, served by gunicorn (2 sync workers, DEBUG off) on PostgreSQL,
in a database created for the run (`elearn_bench`, or the one BENCH_DATABASE_URL names, which
must contain "bench"; dropped at the end, also on Ctrl-C), emptied before each scenario (back to
a migrated copy, with the cache emptied, and gunicorn started again), so that each measures its
own data: the statistics page counts every enrolment of the platform, and the scenarios before
it had added 24,313 to its 100,000 (the exports reuse the statistics' rows: REUSES_DATA_OF).
Two benches on one machine each set BENCH_DATABASE_URL and BENCH_CACHE_URL of their own. Load
comes from `wrk` (installed with apt-get when running as root) or, failing that, a small
built-in Python client. The bench traffic only goes to 127.0.0.1.

How to read the ratio. Each scenario is measured beside a *reference view* served by the same
gunicorn (bench/views.py), which does the least work any request of its kind and size can do:
for a page, session authentication, one query and one template that extends base.html; for an
API write, token authentication, a JSON body, one query and one write of a row in a transaction
and a JSON response. It is padded to return as many bytes as the request under test, so
absolute numbers (which depend on the machine) matter less than the ratio: 1.0 means no more
cost than the irreducible work. Runs alternate (reference, scenario, reference, scenario...) and
medians are reported, so drift on the machine affects both sides alike.

Scenarios, in bench/scenarios.py (register new ones in SCENARIOS):
- `lesson-page`: requests/s of a lesson page (target ratio >= 0.8), and SQL queries per lesson
  page for a course and for a course five times larger, which must be equal. In the same
  alternation, each against a reference of its own size: the page with its query planned on
  every request (bench/views.py `lesson_unprepared`, as DATABASE_PREPARED_STATEMENTS=0 serves
  it), and the same page by its plain path (bench/views.py `lesson_by_orm`: ORM queries and the
  outline's template): what the page's fast paths are worth (courses/selectors/lesson_page.py).
- `quiz-submit`: submissions per second of a 10-question quiz of every question type (POST
  /api/v1/attempts/{id}/submit/ with a token; answers saved beforehand, so a request is one
  submission: grading, storing the result, the completion check, the review); target ratio
  >= 0.5. An attempt can be submitted only once, so each run is a list of requests sent once each
  (load tools' `run_list`): before every run, participants start new attempts and save their
  answers in this process (quizzes.services), as many as the run needs at the previous run's
  rate; requests/s count the responses received while every connection was busy, and the
  server is then checked to have graded every attempt sent. Also: SQL queries per submission
  for 10 and 30 questions, which must be equal (and at most 8).
- `item-analysis`: server time of a quiz's question analysis (GET
  /api/v1/quizzes/{id}/statistics/ and the facilitator's page) over 10,000 submitted attempts,
  against a target of 1 s (bench/item_analysis.py); SQL queries for 10,000 and 100 attempts.
- `certificates`: certificates issued per second end to end by one Celery worker process
  (target >= 150, and >= 0.5 of the bare render rate of the same certificates) and by two (target
  >= 1.7 times one's on a backlog: events sent while the workers are paused; printed beside the
  live scaling and the machine's own: the bare render in two processes at once against one);
  needs Redis (BENCH_BROKER_URL, redis://127.0.0.1:6379/13 unless set).
  bench/certificates.py says how it is measured; `--profile certificates` adds a cProfile of
  batches issued in process.
- `dashboard`: server time of the cohort dashboard (/facilitate/cohorts/{id}/ and GET
  /api/v1/cohorts/{id}/progress/) for a cohort of 1,000 participants at every stage, against a
  target of 150 ms (bench/dashboard.py); SQL queries per request. `--profile dashboard` adds a
  cProfile of in-process page requests and the plans of the dashboard's queries.

- `pages`: bytes a participant's browser receives for the catalogue, a lesson and a quiz, first
  and repeat visit, beside their budgets (first <= 30 KB, repeat <= 16 KB; bench/pages.py).

A scenario takes the `Bench` (bench/harness.py: session_headers(), target(),
size_matched_reference(), compare() for repeated GETs, compare_lists() for requests sent once)
and prints its figures. Data builders are in bench/data.py, load tools in bench/load.py (with
bench/wrk_list.lua), reference views in bench/views.py. `--profile PATH` adds a cProfile of
in-process GETs of PATH (on the data of the last scenario run); `--profile quiz-submit` one of
in-process submissions.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
from pathlib import Path

# Run as a script, sys.path[0] is bench/; the project root is what Django and gunicorn need.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import BenchError  # noqa: E402
from bench.data import PARTICIPANT_EMAIL  # noqa: E402
from bench.exports import exports  # noqa: E402
from bench.harness import (  # noqa: E402
    WORKERS,
    Bench,
    Server,
    bench_environ,
    close_django_connections,
    drop_database,
    fresh_database,
    keep_clean_copy,
    recreate_database,
    setup_django,
)
from bench.load import choose_load_tool  # noqa: E402
from bench.pages import pages  # noqa: E402
from bench.reports import reports  # noqa: E402
from bench.scenarios import PROFILES, SCENARIOS  # noqa: E402

# The statistics page (bench/reports.py): `bench/run.py reports` runs it alone; the exports of
# the same rows (bench/exports.py): `bench/run.py exports`; page weights (bench/pages.py):
# `bench/run.py pages`.
SCENARIOS = {**SCENARIOS, "reports": reports, "exports": exports, "pages": pages}
# Every scenario starts on an empty database (and an empty cache), so that it measures the data
# it describes, not that plus what the scenarios before it left (the statistics page counts every
# enrolment on the platform). Except: the exports read the rows the reports scenario seeded,
# when it ran just before them (bench/exports.py).
REUSES_DATA_OF = {"exports": "reports"}


def _profile(path_for_profile: str) -> None:
    """cProfile of 200 in-process GETs of the path, top functions by cumulative time."""
    import cProfile
    import pstats

    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=PARTICIPANT_EMAIL))
    client.get(path_for_profile)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        client.get(path_for_profile)
    profiler.disable()
    print(f"\nProfile of 200 in-process GETs of {path_for_profile}:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"one of {', '.join(SCENARIOS)} (all)"
    )
    parser.add_argument("--seconds", type=float, default=6, help="length of each run (6)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per side (3)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up per side (3)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (4)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="also print a cProfile of in-process GETs of PATH (e.g. a lesson URL), or of "
        f"in-process requests of one of: {', '.join(PROFILES)}",
    )
    args = parser.parse_args(argv)
    for name in args.scenarios:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they come, also under make
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        load = choose_load_tool(args.client, args.connections)
        with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
            os.environ.update(bench_environ(Path(tmp)))
            recreate_database()
            try:
                setup_django()
                keep_clean_copy()
                print(_banner(load, args))
                previous = None
                for name in args.scenarios or SCENARIOS:
                    if previous is not None and REUSES_DATA_OF.get(name) != previous:
                        fresh_database()
                    with Server(Path(tmp) / f"gunicorn-{name}.log") as server:
                        SCENARIOS[name](Bench(server, load, args.seconds, args.rounds, args.warmup))
                    previous = name
                if args.profile in PROFILES:
                    PROFILES[args.profile]()
                elif args.profile:
                    _profile(args.profile)
            finally:
                close_django_connections()
                drop_database()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "bench: interrupted; gunicorn stopped and the bench database dropped.", file=sys.stderr
        )
        return 130
    return 0


def _banner(load, args) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return (
        f"elearn bench: gunicorn, {WORKERS} sync workers, DEBUG off, PostgreSQL {pg_version}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n"
        f"load: {load.name}, {args.connections} connections; warm-up {args.warmup:g} s per side, "
        f"then {args.rounds} alternating runs of {args.seconds:g} s per side; medians"
    )


if __name__ == "__main__":
    sys.exit(main())
