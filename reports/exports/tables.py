"""A table to export: typed columns and rows, whatever writes it (reports.exports.writers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

# Column types: how a cell is written (reports.exports.writers).
TEXT, INTEGER, NUMBER, SHARE = "text", "integer", "number", "share"  # share: 0..1, shown as %
DATE, DATETIME, BOOL = "date", "datetime", "boolean"


@dataclass(frozen=True)
class Column:
    key: str  # stable, for programs (JSON)
    label: str  # for people (CSV and XLSX headings), in the export's language
    type: str = TEXT
    width: float = 14  # in characters, for XLSX


@dataclass
class Table:
    columns: list[Column]
    rows: Iterable[Sequence]
    # The same rows already written as CSV lines (CRLF-ended), where the database writes them
    # faster (reports.exports.pg_copy); writers.csv_pieces prefers them.
    csv_lines: Iterator[bytes] | None = None
