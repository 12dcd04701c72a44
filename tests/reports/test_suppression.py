"""Small-cell suppression: a figure from fewer than K participants never shows, directly or by
subtraction from a total."""

import datetime

import pytest
from django.urls import reverse

from reports.filters import DIMENSIONS, ReportFilters
from reports.regions import subregion_of
from reports.statistics import get_report
from reports.suppression import Count, Group, Mark, suppress_counts
from tests.factories import make_course
from tests.reports.conftest import enrolment

K = 5


def marks(cells: dict, groups: list[Group]) -> dict:
    counts = {key: Count(*cell) for key, cell in cells.items()}
    return {key: mark for key, mark in suppress_counts(counts, groups, k=K).items() if mark}


def one(value):
    """A count of `value` enrolments by as many participants, in a row of as many."""
    return (value, value, value)


def test_a_small_cell_is_hidden_with_the_smallest_other_so_the_total_does_not_give_it_back():
    cells = {"total": one(120), "FR": one(50), "DE": one(40), "LU": one(3), "IT": one(27)}

    result = marks(cells, [Group("total", ("FR", "DE", "LU", "IT"))])

    assert result == {"LU": Mark.SMALL, "IT": Mark.HIDDEN}


def test_two_small_cells_whose_sum_pins_them_get_a_third_cell_hidden():
    # 4 + 4 = 8 with both "<5": each would have to be 4.
    cells = {"total": one(58), "A": one(4), "B": one(4), "C": one(50)}

    result = marks(cells, [Group("total", ("A", "B", "C"))])

    assert result == {"A": Mark.SMALL, "B": Mark.SMALL, "C": Mark.HIDDEN}


def test_a_small_country_is_protected_inside_its_sub_region_too():
    cells = {"total": one(200), "Europe": one(200), "West": one(93), "North": one(107),
             "FR": one(50), "DE": one(40), "LU": one(3), "GB": one(100), "IS": one(7)}  # fmt: skip
    groups = [
        Group("total", ("Europe",)),
        Group("Europe", ("West", "North")),
        Group("West", ("FR", "DE", "LU")),
        Group("North", ("GB", "IS")),
    ]

    result = marks(cells, groups)

    assert result == {"LU": Mark.SMALL, "DE": Mark.HIDDEN}


def test_when_nothing_else_can_hide_it_the_total_is_hidden_in_every_breakdown():
    # 6 participants: 1 in A, 5 in B; another breakdown (X) would give the total back.
    cells = {"total": one(6), "A": one(1), "B": one(5), "X": one(6)}

    result = marks(cells, [Group("total", ("A", "B")), Group("total", ("X",))])

    assert result["A"] is Mark.SMALL
    assert result["total"] is Mark.HIDDEN and result["B"] is Mark.HIDDEN
    assert result["X"] is Mark.HIDDEN


def test_zeros_are_shown_unless_their_row_or_their_parent_is_small():
    cells = {"total": (43, 43, 90), "course": (3, 3, 40), "cohort": (3, 3, 30),
             "empty": (0, 0, 10), "big": (40, 40, 40), "none": (0, 0, 10)}  # fmt: skip
    groups = [Group("total", ("course", "big", "none")), Group("course", ("cohort", "empty"))]

    result = marks(cells, groups)

    assert result["empty"] is Mark.SMALL  # a zero under a small course
    assert "none" not in result  # a zero beside it
    assert result["big"] is Mark.HIDDEN


# --- End to end: a country of 3 participants among 35 -------------------------------------


@pytest.fixture
def three_from_tuvalu(db):
    """20 participants from Kenya, 12 from Nigeria, 3 from Tuvalu, all enrolled in March
    2026; 18 of Kenya's, 6 of Nigeria's and 2 of Tuvalu's completed."""
    course = make_course()
    for country, people, completed in (("KE", 20, 18), ("NG", 12, 6), ("TV", 3, 2)):
        for n in range(people):
            enrolment(course, enrolled="2026-03-02", country=country,
                      completed="2026-03-20" if n < completed else None)  # fmt: skip
    return course


COUNTS = ("enrolments", "active_participants", "completions", "certificates_issued",
          "certificates_revoked")  # fmt: skip


def derivable(total, rows) -> bool:
    """Whether the one hidden row of a breakdown is the total minus the shown others."""
    hidden = [row for row in rows if row is None]
    return total is not None and len(hidden) == 1


def test_a_country_of_three_never_appears_as_a_number(three_from_tuvalu):
    report = get_report(ReportFilters())

    [tuvalu] = [row for row in report.breakdowns["country"] if row.key == "TV"]
    for name, figure in tuvalu.figures.items():
        # No certificate and no activity at all: the zeros of a zero total say nothing more.
        assert figure.mark is Mark.SMALL or report.totals[name].value == 0, name
    for dimension in ("country", "region", "subregion"):
        rows = report.breakdowns[dimension]
        for name in COUNTS:
            values = [row.figures[name].value for row in rows]
            assert not derivable(report.totals[name].value, values), (dimension, name)
    # Tuvalu alone is Oceania and Polynesia: those rows are small too.
    for dimension, key in (("region", "009"), ("subregion", "061")):
        [row] = [r for r in report.breakdowns[dimension] if r.key == key]
        assert row.figures["enrolments"].mark is Mark.SMALL


def test_a_sub_region_minus_its_shown_countries_does_not_give_a_small_one(three_from_tuvalu):
    report = get_report(ReportFilters())

    subregions = {row.key: row for row in report.breakdowns["subregion"]}
    by_subregion = {}
    for row in report.breakdowns["country"]:
        by_subregion.setdefault(subregion_of(row.key).code, []).append(row)
    for code, countries in by_subregion.items():
        for name in COUNTS:
            total = subregions[code].figures[name].value
            values = [row.figures[name].value for row in countries]
            assert not derivable(total, values), (code, name)


def test_a_rate_whose_complement_is_small_is_hidden(three_from_tuvalu):
    report = get_report(ReportFilters())

    rates = {row.key: row.figures["completion_rate"] for row in report.breakdowns["country"]}
    assert rates["KE"].value is None and rates["KE"].mark is Mark.SMALL  # 2 did not complete
    assert rates["TV"].mark is Mark.SMALL
    # Nigeria's 6 of 12 would give Kenya's 2 back from the total's: hidden too.
    assert rates["NG"].mark is Mark.HIDDEN and report.totals["completion_rate"].value is None


def test_filtering_to_the_country_of_three_shows_less_than_five_everywhere(
    three_from_tuvalu, client_for, admin_user
):
    report = get_report(ReportFilters(country="TV"))

    assert all(f.mark is Mark.SMALL for f in report.totals.values())
    for dimension in DIMENSIONS:
        for row in report.breakdowns[dimension]:
            assert all(f.value is None for f in row.figures.values()), dimension
    response = client_for(admin_user).get(reverse("reports"), {"country": "TV"})
    page = response.content.decode()
    assert page.count("&lt;5") >= 7 * 8  # headline and every row of every breakdown
    api = client_for(admin_user).get("/api/v1/reports/summary/?country=tv&group_by=month").json()
    assert {f["value"] for f in api["totals"].values()} == {None}
    assert {f["suppressed"] for f in api["totals"].values()} == {"small"}


def test_months_do_not_give_a_small_month_back_from_the_total(db, min_cell):
    course = make_course()
    for day, people in (("2026-01-10", 12), ("2026-02-10", 2), ("2026-03-10", 9)):
        for _ in range(people):
            enrolment(course, enrolled=day)

    report = get_report(ReportFilters(date_to=datetime.date(2026, 3, 31)))

    months = [row.figures["enrolments"] for row in report.breakdowns["month"]]
    assert months[1].mark is Mark.SMALL
    assert not derivable(report.totals["enrolments"].value, [m.value for m in months])
