"""Benchmarks for elearn (not tests): `make bench` runs bench/run.py."""


class BenchError(Exception):
    """The bench cannot give a meaningful figure (setup failed or responses were wrong)."""
