"""The completion rows as CSV written by PostgreSQL itself: a faster path beside the plain one
(kinds.Completions' rows through writers.csv_pieces), for streamed CSV on PostgreSQL.

Why it exists: bench/exports.py. For 100,000 rows, reading them into Python alone took 2.5
times PostgreSQL's `COPY ... TO STDOUT` of the same query, and reading, typing, neutralising
and writing them 5 times; the target is 3 times. Here the database writes each row as the plain
path does: the same columns in the same order, labels in the export's language (given as
literals), times in UTC to the second, empty text as an empty cell, text starting with a formula
trigger behind an apostrophe (writers.neutralise; PostgreSQL text never holds a NUL). Python
writes the byte order mark and the heading row, and ends each line with CRLF as the csv module
does. tests/reports/test_exports_copy.py fences it: on PostgreSQL, both paths give the same
bytes for rows made to tell them apart.

Not for jobs: a COPY holds the connection until its last row, and a job records its progress
(and keeps its lease) on that connection as it writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import psycopg
from django.db import connections
from django.db.models import F, QuerySet

from .writers import FORMULA_TRIGGERS, neutralise

# writers.FORMULA_TRIGGERS as the character codes `ascii()` gives: comparing integers cost a
# third of comparing the first character as text.
_TRIGGERS = "(" + ", ".join(str(ord(c)) for c in sorted(FORMULA_TRIGGERS)) + ")"
_UTC_SECOND = "'YYYY-MM-DD HH24:MI:SS'"
# How a column is written: as it is (integers, and labels given as literals, already as the
# plain path writes them); text as writers.neutralise leaves it, and empty text as no value (an
# empty cell, unquoted, as the csv module writes it); times in UTC to the second.
_AS_IS = "{0}"
_TEXT = "NULLIF(CASE WHEN ascii({0}) IN " + _TRIGGERS + " THEN '''' || {0} ELSE {0} END, '')"
_TIME = "to_char({0} AT TIME ZONE 'UTC', " + _UTC_SECOND + ")"
# The enrolment rows' columns, named (a subquery's columns must be told apart).
_VALUES = {
    "r_id": F("id"), "r_course": F("course__slug"), "r_course_title": F("course__title"),
    "r_cohort": F("cohort_id"), "r_cohort_name": F("cohort__name"),
    "r_is_default": F("cohort__is_default"), "r_user": F("user_id"),
    "r_name": F("user__full_name"), "r_email": F("user__email"), "r_country": F("user__country"),
    "r_organisation": F("user__organisation"),
    "r_organisation_type": F("user__organisation_type"), "r_enrolled_at": F("enrolled_at"),
    "r_completed_at": F("completed_at"), "r_status": F("status"),
    "r_certificate_code": F("certificate__code"), "r_certificate": F("certificate__status"),
}  # fmt: skip


def is_available(rows: QuerySet) -> bool:
    return connections[rows.db].vendor == "postgresql"


def completion_csv_lines(
    rows: QuerySet,
    *,
    self_paced: str,
    areas: Mapping[str, tuple[str, str, str]],
    organisation_types: Mapping[str, str],
    statuses: Mapping[str, str],
    certificates: Mapping[str, str],
) -> Iterator[bytes]:
    """The enrolment rows (reports.queries.list_report_rows) as CSV lines, one per row, in the
    plain path's columns and order. `areas`: {country code: (country, region, sub-region)};
    the other mappings: {stored value: label}; `self_paced`: the default cohort's name."""
    select = _Literals()

    def text(column: str) -> str:
        return _TEXT.format(column)

    # (name, expression over the rows `q` and the areas `a`, how it is written)
    columns = (
        ("id", "q.r_id", _AS_IS),
        ("course", "q.r_course", _TEXT),
        ("course_title", "q.r_course_title", _TEXT),
        ("cohort", "q.r_cohort", _AS_IS),
        ("cohort_name", f"CASE WHEN q.r_is_default THEN {select(self_paced)} "
                        f"ELSE {text('q.r_cohort_name')} END", _AS_IS),
        ("user_id", "q.r_user", _AS_IS),
        ("name", "q.r_name", _TEXT),
        ("email", "q.r_email", _TEXT),
        ("country_code", "q.r_country", _TEXT),
        ("country", "a.country", _AS_IS),
        ("region", "a.region", _AS_IS),
        ("subregion", "a.subregion", _AS_IS),
        ("organisation", "q.r_organisation", _TEXT),
        ("organisation_type", select.case("q.r_organisation_type", organisation_types,
                                          other=text("q.r_organisation_type")), _AS_IS),
        ("enrolled_at", "q.r_enrolled_at", _TIME),
        ("completed_at", "q.r_completed_at", _TIME),
        ("status", select.case("q.r_status", statuses, other=text("q.r_status")), _AS_IS),
        ("certificate_code", "q.r_certificate_code", _TEXT),
        ("certificate", select.case("q.r_certificate", certificates, other="NULL"), _AS_IS),
    )  # fmt: skip
    inner, inner_params = rows.values(**_VALUES).query.sql_with_params()
    join = _Literals()
    area_rows = ", ".join(
        f"({join(code, label=False)}, {join(country)}, {join(region)}, {join(subregion)})"
        for code, (country, region, subregion) in areas.items()
    )
    labelled = ", ".join(f"{expression} AS {name}" for name, expression, _how in columns)
    written = ", ".join(how.format(f"r.{name}") for name, _expression, how in columns)
    # Every name and word here is ours; values are literals, bound by psycopg below.
    sql = (
        f"SELECT {written} FROM (SELECT {labelled} FROM ({inner}) AS q "  # noqa: S608
        f"LEFT JOIN (VALUES {area_rows}) AS a(code, country, region, subregion) "
        "ON a.code = q.r_country) AS r ORDER BY r.enrolled_at, r.id"
    )
    params = [*select.values, *inner_params, *join.values]
    connection = connections[rows.db]
    connection.ensure_connection()
    raw = connection.connection
    statement = psycopg.ClientCursor(raw).mogrify(sql, params)  # COPY takes no parameters
    with raw.cursor() as cursor, cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
        for line in copy:  # libpq hands over one row at a time, ending with a line feed
            yield bytes(line[:-1]) + b"\r\n"


class _Literals:
    """Placeholders for values, in the order they are written. A label (ours, translated) is
    given as the plain path writes any text: neutralised, and empty as no value."""

    def __init__(self):
        self.values: list[str | None] = []

    def __call__(self, value: str, *, label: bool = True) -> str:
        self.values.append((neutralise(value) or None) if label else value)
        return "%s"

    def case(self, column: str, labels: Mapping[str, str], *, other: str) -> str:
        """The label of the column's value; `other` for a value with none."""
        if not labels:
            return other
        whens = " ".join(
            f"WHEN {self(key, label=False)} THEN {self(value)}" for key, value in labels.items()
        )
        return f"CASE {column} {whens} ELSE {other} END"
