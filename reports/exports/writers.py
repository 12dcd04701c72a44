"""CSV, XLSX and JSON writers over a table's rows, none of which holds the whole file in memory.

Cells are typed (reports.exports.kinds.Column): numbers stay numbers, dates and times are dates
(in UTC), booleans are booleans, None is an empty cell (null in JSON). Text that a spreadsheet
could take for a formula is neutralised by `neutralise`, for CSV and XLSX alike; JSON is for
programs and carries text as it is.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from .tables import BOOL, DATE, DATETIME, INTEGER, NUMBER, SHARE, TEXT, Column, Table

# A spreadsheet reads a cell starting with one of these as a formula (=, +, -, @) or may drop
# the leading whitespace and then read one (tab, carriage return, line feed). OWASP's advice.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
XLSX_MAX_ROWS = 1_048_576  # header included
# Rows of CSV or JSON joined before they are handed on: fewer, larger writes.
ROWS_PER_PIECE = 500


def neutralise(text: str) -> str:
    """Text safe in a spreadsheet cell: a NUL (which some readers drop, or stop at) becomes
    U+FFFD, and text starting with a formula trigger gets a leading apostrophe, which shows
    and makes the cell plain text. Everything else is left as it is: "<5" stays "<5"."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def _utc(value: datetime.datetime) -> datetime.datetime:
    """A naive datetime in UTC (spreadsheets have no time zones; headings say UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _csv_text(value):
    return neutralise(value) if isinstance(value, str) else value


def _csv_datetime(value):
    return _utc(value).isoformat(" ", "seconds") if isinstance(value, datetime.datetime) else value


def _csv_date(value):
    return value.isoformat() if isinstance(value, datetime.date) else _csv_text(value)


def _csv_bool(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv_other(value):
    return _csv_text(value)  # numbers as they are; "<5" and the like as text


_CSV_CELLS = {DATETIME: _csv_datetime, DATE: _csv_date, BOOL: _csv_bool}


def csv_pieces(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV (with a byte order mark, so that Excel reads it as UTF-8), in
    pieces of ROWS_PER_PIECE rows: its CSV lines if the database wrote them, else its rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(column.label)) for column in table.columns])
    if table.csv_lines is not None:  # written by the database already
        yield ("\ufeff" + buffer.getvalue()).encode()
        yield from _joined(table.csv_lines)
        return
    cells = [_CSV_CELLS.get(column.type, _csv_other) for column in table.columns]
    # Text columns are most cells: their test is inlined below (a call per cell shows at
    # 100,000 rows).
    text_positions = [n for n, column in enumerate(table.columns) if column.type == TEXT]
    other_positions = [
        (n, cell) for n, (cell, column) in enumerate(zip(cells, table.columns, strict=True))
        if column.type != TEXT
    ]  # fmt: skip
    triggers = FORMULA_TRIGGERS
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(table.rows, start=1):
        row = list(row)
        for n in text_positions:
            value = row[n]
            if value and value.__class__ is str and (value[0] in triggers or "\x00" in value):
                row[n] = neutralise(value)
        for n, cell in other_positions:
            value = row[n]
            if value is not None:
                row[n] = cell(value)
        writer.writerow(row)
        if count % ROWS_PER_PIECE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if tail := buffer.getvalue():
        yield tail.encode()


def _joined(lines: Iterable[bytes]) -> Iterator[bytes]:
    piece = []
    for line in lines:
        piece.append(line)
        if len(piece) == ROWS_PER_PIECE:
            yield b"".join(piece)
            piece = []
    if piece:
        yield b"".join(piece)


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return _utc(value).isoformat(timespec="seconds") + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_pieces(table: Table, *, kind: str) -> Iterator[bytes]:
    """The table as one JSON object: {"kind", "columns": [{"key", "label", "type"}], "rows":
    [{key: value}]}, in pieces of ROWS_PER_PIECE rows."""
    columns = [
        {"key": column.key, "label": str(column.label), "type": column.type}
        for column in table.columns
    ]
    head = json.dumps({"kind": kind, "columns": columns}, ensure_ascii=False)
    yield (head[:-1] + ', "rows": [').encode()
    keys = [column.key for column in table.columns]
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    separator, piece = "\n", []
    for row in table.rows:
        piece.append(dumps(dict(zip(keys, row, strict=True))))
        if len(piece) == ROWS_PER_PIECE:
            yield (separator + ",\n".join(piece)).encode()
            separator, piece = ",\n", []
    if piece:
        yield (separator + ",\n".join(piece)).encode()
    yield b"\n]}\n"


def write_xlsx(table: Table, target: BinaryIO, *, sheet: str) -> int:
    """Write the table as an XLSX workbook of one sheet to a binary file (seekable), with
    XlsxWriter in constant-memory mode: each row goes to a temporary file as it is written,
    so memory holds one row, whatever their number. A bold header row frozen at the top, an
    autofilter, widths per column. Returns the number of rows written (header apart)."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            # Never guess: text stays text, whatever it looks like.
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    worksheet = workbook.add_worksheet(_sheet_name(sheet))
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        SHARE: workbook.add_format({"num_format": "0.0%"}),
    }
    columns = table.columns
    for n, column in enumerate(columns):
        worksheet.set_column(n, n, column.width)
    for n, column in enumerate(columns):
        worksheet.write_string(0, n, neutralise(str(column.label)), header)
    worksheet.freeze_panes(1, 0)
    writers = [_xlsx_cell(worksheet, column, formats.get(column.type)) for column in columns]
    rows = 0
    for rows, row in enumerate(table.rows, start=1):
        if rows >= XLSX_MAX_ROWS:
            raise ValueError("More rows than a spreadsheet can hold.")
        for n, value in enumerate(row):
            if value is not None:
                writers[n](rows, n, value)
    if columns:
        worksheet.autofilter(0, 0, rows, len(columns) - 1)
    workbook.close()
    return rows


def _sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet (a translated label may hold any character)."""
    name = re.sub(r"[\[\]:*?/\\]", " ", name).strip().strip("'")[:31].strip()
    return name or "Export"


def _xlsx_cell(worksheet, column: Column, cell_format):
    """The write function for the column's cells: typed values, text neutralised. The
    column's own type is tried first (most cells), then any other ("<5" among numbers)."""
    write_string, write_number = worksheet.write_string, worksheet.write_number
    write_datetime, write_boolean = worksheet.write_datetime, worksheet.write_boolean
    triggers = FORMULA_TRIGGERS

    def write(row: int, col: int, value) -> None:
        if isinstance(value, str):
            write_string(row, col, neutralise(value))
        elif isinstance(value, bool):
            write_boolean(row, col, value)
        elif isinstance(value, (int, float, Decimal)):
            write_number(row, col, float(value) if isinstance(value, Decimal) else value,
                         cell_format)  # fmt: skip
        elif isinstance(value, datetime.datetime):
            write_datetime(row, col, _utc(value), cell_format)
        elif isinstance(value, datetime.date):
            write_datetime(row, col, value, cell_format)
        else:
            write_string(row, col, neutralise(str(value)))

    def write_text(row: int, col: int, value) -> None:
        if value.__class__ is str:
            if not value:  # what XlsxWriter would write for it: nothing
                return
            if value[0] in triggers or "\x00" in value:
                value = neutralise(value)
            write_string(row, col, value)
        else:
            write(row, col, value)

    def write_numeric(row: int, col: int, value) -> None:
        if value.__class__ is int or value.__class__ is float:
            write_number(row, col, value, cell_format)
        else:
            write(row, col, value)

    def write_time(row: int, col: int, value) -> None:
        if value.__class__ is datetime.datetime:
            write_datetime(row, col, _utc(value), cell_format)
        else:
            write(row, col, value)

    if column.type == TEXT:
        return write_text
    if column.type in (INTEGER, NUMBER, SHARE):
        return write_numeric
    if column.type == DATETIME:
        return write_time
    return write


def count_rows(rows: Iterable, report, *, every: int) -> Iterator:
    """The rows, calling report(n) after every `every` rows and once at the end."""
    count = 0
    for count, row in enumerate(rows, start=1):
        yield row
        if count % every == 0:
            report(count)
    report(count)
