"""Read-only parts of one answer computed at once, each on a database connection of its own, all
seeing the same moment of the database.

On PostgreSQL the first part runs in a REPEATABLE READ transaction that exports its snapshot
(`pg_export_snapshot()`); every other part runs in a thread, on a connection of its own, in a
transaction that imports it (`SET TRANSACTION SNAPSHOT`), as `pg_dump --jobs` does. So a report
made of several statements uses the machine's cores and still adds up as if it had been read at
one instant. Each part's connection is closed when the part ends.

Elsewhere (SQLite), or when the caller is already inside a transaction (whose uncommitted rows
other connections could not see, and whose isolation level is already set), the parts run one
after the other in one transaction on the caller's connection: the same answer, one core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections, transaction

T = TypeVar("T")

# What pg_export_snapshot() returns, for example 00000003-0000001B-1.
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


def can_read_together(using: str = "default") -> bool:
    """Whether read_together would run the parts at once on `using`."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def read_together(
    parts: dict[str, Callable[[], T]], *, using: str = "default", work_mem: str | None = None
) -> dict[str, T]:
    """Every part's result, by name. Parts only read. `work_mem`, on PostgreSQL, is the memory
    each hash or sort of a part's statements may take (set for its transaction only)."""
    names = list(parts)
    if not can_read_together(using) or len(names) == 1:
        with transaction.atomic(using=using):
            _set_work_mem(using, work_mem)
            return {name: parts[name]() for name in names}
    first, others = names[0], names[1:]
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        _set_work_mem(using, work_mem)
        # The exporting transaction stays open until every part has ended: the snapshot can be
        # imported only while it is.
        with ThreadPoolExecutor(max_workers=len(others)) as pool:
            futures = {
                name: pool.submit(_in_snapshot, parts[name], using, snapshot, work_mem)
                for name in others
            }
            results = {first: parts[first]()}
            for name in others:
                results[name] = futures[name].result()
    return {name: results[name] for name in names}


def _in_snapshot(part: Callable[[], T], using: str, snapshot: str, work_mem: str | None) -> T:
    if not _SNAPSHOT_ID.match(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    try:
        with transaction.atomic(using=using):
            with connections[using].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # SET takes no parameters; the id was checked above.
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _set_work_mem(using, work_mem)
            return part()
    finally:
        connections[using].close()  # this thread's own connection


def _set_work_mem(using: str, work_mem: str | None) -> None:
    connection = connections[using]
    if work_mem is None or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
