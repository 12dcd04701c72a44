"""The fence around the faster path (reports.exports.pg_copy): on PostgreSQL, the completion rows
written by COPY are the same bytes as the plain path's, for rows made to tell them apart."""

import datetime

import pytest
from django.db import connection
from django.utils import translation

from courses.models import Enrolment
from reports.exports.kinds import KINDS
from reports.exports.tables import Table
from reports.exports.writers import csv_pieces
from tests.factories import make_cohort, make_course

from .conftest import certificate, enrolment

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's (the plain path elsewhere)"
)

TEXTS = [
    '=HYPERLINK("http://evil.example","x")', "+1 555 0100", "-2+3", "@SUM(A1)", "\t=1",
    "\r=1", "\n=1", 'O"Brien, Jr.', "Line\nbreak", "trailing space ", " leading", "\\.", "",
    "لجنة حقوق الإنسان", "Ñandú; \u2018quoted\u2019", "100%", "%s", "a,b", "'already'",
]  # fmt: skip


@pytest.fixture
def rows(db, min_cell):
    min_cell(1)
    course = make_course(slug="fence", title="=Fence, the course", modules=1)
    named = make_cohort(course, name='+Cohort "one"')
    countries = ["KE", "", "AQ", "FR", "PE", "XK"]
    for n, text in enumerate(TEXTS):
        done = n % 3 != 0
        e = enrolment(
            course, enrolled=f"2026-03-{n % 28 + 1:02d}",
            completed=f"2026-04-{n % 28 + 1:02d}" if done else None,
            withdrawn="2026-04-02" if n % 7 == 0 else None,
            cohort=named if n % 2 else None, full_name=text or "Named",
            organisation=text, country=countries[n % len(countries)],
            organisation_type=["ngo", "", "nhri", "unheard_of"][n % 4],
        )  # fmt: skip
        if done and n % 4:
            certificate(e, issued="2026-04-20", revoked="2026-04-25" if n % 5 == 0 else None)
    # Microseconds: both paths cut to the second.
    Enrolment.objects.filter(pk=e.pk).update(
        enrolled_at=datetime.datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=datetime.UTC)
    )


def both_paths(user, parameters):
    table = KINDS["completions"].table(user, parameters)
    assert table.csv_lines is not None  # on PostgreSQL, COPY's
    fast = b"".join(csv_pieces(table))
    plain = b"".join(csv_pieces(Table(table.columns, table.rows)))
    return fast, plain


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
@pytest.mark.parametrize(
    "parameters",
    [{}, {"region": "002", "from": "2026-03-03"}, {"country": "PE", "organisation_type": "ngo"}],
)
def test_copy_writes_the_same_bytes_as_the_plain_path(rows, admin_user, parameters, language):
    with translation.override(language):
        fast, plain = both_paths(admin_user, parameters)

    assert fast == plain
    if not parameters:  # every kind of cell was there to differ
        text = fast.decode()
        for written in ("'=HYPERLINK", '"O""Brien, Jr."', '"Line\nbreak"', "'\t=1", "\\.",
                        "2026-03-09 23:59:59,", "'+Cohort", "unheard_of"):  # fmt: skip
            assert written in text, written
