"""elearn benchmark: `make bench` (or `.venv/bin/python bench/run.py --help`).

What is measured. Throughput (requests per second) of pages for a signed-in participant, served
by gunicorn (2 sync workers, DEBUG off) on PostgreSQL, in a database created for the run
(`elearn_bench`, dropped at the end). Load comes from `wrk` (installed with apt-get when running
as root) or, failing that, a small built-in Python client. The bench traffic only goes to
127.0.0.1.

How to read the ratio. Each scenario is measured beside a *reference view* served by the same
gunicorn: session authentication (request.user resolved), one database query and one template
that extends base.html, padded to return exactly as many bytes as the page under test. That is
the least work any signed-in page of that size can do, so absolute numbers (which depend on the
machine) matter less than the ratio page/reference: 1.0 means the page costs no more than the
irreducible work; the target is >= 0.8. Runs alternate (reference, page, reference, page...)
and medians are reported, so drift on the machine affects both sides alike.

Scenarios. A scenario is a function in bench/scenarios.py that takes the `Bench`
(bench/harness.py: session_headers(), target(), size_matched_reference(), compare()) and prints
its figures; register it in SCENARIOS. Data builders are in bench/data.py, load tools in
bench/load.py, the reference view in bench/views.py. Today: `lesson-page` (requests/s of a
lesson page, and SQL queries per lesson page for a course and for a course five times larger,
which must be equal). `--profile PATH` adds a cProfile of in-process requests to PATH.
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
from bench.harness import (  # noqa: E402
    WORKERS,
    Bench,
    Server,
    bench_environ,
    close_django_connections,
    drop_database,
    recreate_database,
    setup_django,
)
from bench.load import choose_load_tool  # noqa: E402
from bench.scenarios import SCENARIOS  # noqa: E402


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
        "--profile", metavar="PATH", help="also print a cProfile of PATH (e.g. a lesson URL)"
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
                with Server(Path(tmp) / "gunicorn.log") as server:
                    print(_banner(load, args))
                    bench = Bench(server, load, args.seconds, args.rounds, args.warmup)
                    for name in args.scenarios or SCENARIOS:
                        SCENARIOS[name](bench)
                    if args.profile:
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
