"""The figures of a report, on small crafted data with numbers worked out by hand."""

import datetime

import pytest
from django.db import connection, transaction

from elearn.snapshot import can_read_together
from reports.filters import ReportFilters
from reports.queries import count_report
from reports.statistics import get_report
from reports.suppression import Mark
from tests.factories import make_cohort, make_course, make_user
from tests.reports.conftest import attempt, certificate, enrolment, lesson_done

MARCH = {"date_from": datetime.date(2026, 3, 1), "date_to": datetime.date(2026, 3, 31)}


@pytest.fixture
def march(db, min_cell):
    """Six participants around March 2026 (K = 1: every figure shown).

    u1 KE: enrolled 10 Feb, lesson 4 Mar, completed 5 Mar (23 days), certificate 6 Mar
    u2 KE: enrolled 2 Mar, attempts 5 Mar (60) and 6 Mar (90), completed 12 Mar (10 days),
           certificate 12 Mar
    u3 NG: enrolled 10 Mar, attempt 11 Mar (50)
    u4 FR: enrolled 15 Mar, lesson 16 Mar, withdrew 20 Mar
    u5 FR: enrolled 20 Mar, lesson 1 Apr, completed 2 Apr
    u6 PE: enrolled 5 Jan, completed 20 Jan, certificate 21 Jan, revoked 25 Mar
    and u1 attempted the quiz on 20 Feb (80), before the range.
    """
    min_cell(1)
    course = make_course(modules=1, lessons_per_module=3, quizzes_per_module=1)
    quiz = course.quizzes.get()
    u1 = enrolment(course, enrolled="2026-02-10", completed="2026-03-05", country="KE",
                   organisation_type="ngo")  # fmt: skip
    u2 = enrolment(course, enrolled="2026-03-02", completed="2026-03-12", country="KE",
                   organisation_type="ngo")  # fmt: skip
    u3 = enrolment(course, enrolled="2026-03-10", country="NG", organisation_type="ministry")
    u4 = enrolment(course, enrolled="2026-03-15", withdrawn="2026-03-20", country="FR")
    u5 = enrolment(course, enrolled="2026-03-20", completed="2026-04-02", country="FR",
                   organisation_type="academic")  # fmt: skip
    u6 = enrolment(course, enrolled="2026-01-05", completed="2026-01-20", country="PE",
                   organisation_type="ngo")  # fmt: skip
    lesson_done(u1, "2026-03-04")
    lesson_done(u4, "2026-03-16")
    lesson_done(u5, "2026-04-01")
    attempt(u1, quiz, "2026-02-20", score=80)
    attempt(u2, quiz, "2026-03-05", score=60)
    attempt(u2, quiz, "2026-03-06", score=90)
    attempt(u3, quiz, "2026-03-11", score=50)
    certificate(u1, issued="2026-03-06")
    certificate(u2, issued="2026-03-12")
    certificate(u6, issued="2026-01-21", revoked="2026-03-25")
    return course


def values(figures):
    return {name: figure.value for name, figure in figures.items()}


def test_the_headline_figures_follow_their_definitions(march):
    report = get_report(ReportFilters(**MARCH))

    assert values(report.totals) == {
        "enrolments": 4,  # u2, u3, u4, u5 enrolled in March (u4 since withdrawn)
        "active_participants": 4,  # u1, u4 lessons; u2, u3 attempts (u5's lesson is April's)
        "completions": 2,  # u1, u2 completed in March, whenever they enrolled
        "completion_rate": 33.3,  # u2 of u2, u3, u5 (u4 withdrew, u5 completed in April)
        "median_days_to_complete": 16.5,  # of 23 and 10 days
        "certificates_issued": 2,  # u1, u2
        "certificates_revoked": 1,  # u6, issued in January
    }
    assert not any(figure.suppressed for figure in report.totals.values())


def test_per_quiz_pass_rate_and_mean_best_score_count_attempts_in_the_range(march):
    [quiz] = get_report(ReportFilters(**MARCH)).quizzes

    # u2 (best 90, passed) and u3 (50, failed); u1's attempt was in February.
    assert (quiz.attempted.value, quiz.pass_rate.value, quiz.mean_best_score.value) == (
        2,
        50.0,
        70.0,
    )


def test_breakdowns_by_country_region_and_organisation_type(march):
    report = get_report(ReportFilters(**MARCH))

    by_country = {row.key: values(row.figures) for row in report.breakdowns["country"]}
    assert by_country["KE"]["enrolments"] == 1 and by_country["KE"]["completions"] == 2
    assert by_country["KE"]["completion_rate"] == 100.0
    assert by_country["NG"]["completion_rate"] == 0.0
    assert by_country["FR"]["enrolments"] == 2 and by_country["FR"]["completion_rate"] == 0.0
    assert by_country["PE"]["enrolments"] == 0 and by_country["PE"]["certificates_revoked"] == 1
    by_region = {row.key: values(row.figures) for row in report.breakdowns["region"]}
    assert by_region["002"]["enrolments"] == 2 and by_region["002"]["completions"] == 2
    assert by_region["150"]["enrolments"] == 2 and by_region["019"]["certificates_revoked"] == 1
    by_subregion = {row.key: row.label for row in report.breakdowns["subregion"]}
    assert by_subregion["202"] == "Sub-Saharan Africa"
    by_type = {row.key: values(row.figures) for row in report.breakdowns["organisation_type"]}
    assert by_type["ngo"]["completions"] == 2 and by_type[""]["enrolments"] == 1
    assert by_type["ngo"]["median_days_to_complete"] == 16.5


def test_months_count_each_figure_by_its_own_date(march):
    report = get_report(ReportFilters())  # all time: January to April

    months = {row.key: values(row.figures) for row in report.breakdowns["month"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [m["enrolments"] for m in months.values()] == [1, 1, 4, 0]
    assert [m["completions"] for m in months.values()] == [1, 0, 2, 1]
    assert [m["certificates_issued"] for m in months.values()] == [1, 0, 2, 0]
    assert [m["active_participants"] for m in months.values()] == [0, 1, 4, 1]
    assert months["2026-03"]["median_days_to_complete"] == 16.5


def test_filters_narrow_every_figure(march):
    assert values(get_report(ReportFilters(**MARCH, country="KE")).totals)["completions"] == 2
    assert values(get_report(ReportFilters(**MARCH, region="150")).totals)["enrolments"] == 2
    assert values(get_report(ReportFilters(**MARCH, organisation_type="ministry")).totals) == {
        "enrolments": 1,
        "active_participants": 1,
        "completions": 0,
        "completion_rate": 0.0,
        "median_days_to_complete": None,
        "certificates_issued": 0,
        "certificates_revoked": 0,
    }


def test_course_and_cohort_rows_add_up_to_the_total(db, min_cell):
    min_cell(1)
    course = make_course()
    spring = make_cohort(course, name="Spring")
    for cohort in (spring, spring, None):
        enrolment(course, enrolled="2026-03-03", cohort=cohort)
    other = make_course(title="Another course")
    person = make_user()
    enrolment(other, enrolled="2026-03-04", user=person)
    enrolment(course, enrolled="2026-03-05", user=person)

    report = get_report(ReportFilters(**MARCH))

    courses = {row.label: row.figures["enrolments"].value for row in report.breakdowns["course"]}
    assert courses == {course.title: 4, "Another course": 1}
    cohorts = [
        (r.label, r.parent, r.figures["enrolments"].value) for r in report.breakdowns["cohort"]
    ]
    assert (spring.name, course.title, 2) in cohorts
    assert report.totals["enrolments"].value == 5


def test_activity_on_a_course_after_withdrawing_from_it_does_not_count(db, min_cell):
    min_cell(1)
    course = make_course()
    gone = enrolment(course, enrolled="2026-01-03", withdrawn="2026-02-01")
    lesson_done(gone, "2026-03-10")

    report = get_report(ReportFilters(**MARCH))

    assert report.totals["active_participants"].value == 0


def test_nobody_at_all_gives_empty_breakdowns(db):
    report = get_report(ReportFilters())

    assert report.totals["enrolments"].value == 0
    assert all(rows == [] for rows in report.breakdowns.values())
    assert report.totals["completion_rate"] == report.totals["completion_rate"].__class__(None)


def test_a_filter_to_a_small_group_suppresses_every_figure_even_zeros(march, min_cell):
    min_cell(5)

    report = get_report(ReportFilters(**MARCH, country="FR"))

    assert all(f.mark is Mark.SMALL and f.value is None for f in report.totals.values())


def _sorted(counts):
    """Counts with every list of rows in one order (the database groups in any order)."""
    return {
        name: sorted(map(repr, value)) if isinstance(value, list) else value
        for name, value in vars(counts).items()
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="read at once on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "filters",
    [{}, MARCH, {"date_from": datetime.date(2026, 3, 10)}, {"country": "KE"}, {"region": "002"}],
)
def test_read_at_once_a_report_counts_what_it_counts_read_in_one_transaction(march, filters):
    """Outside a transaction the statements run at once on connections of their own
    (elearn.snapshot); inside one, one after the other on the caller's."""
    report_filters = ReportFilters(**filters)
    assert can_read_together()
    at_once = count_report(report_filters)
    with transaction.atomic():
        one_by_one = count_report(report_filters)
    assert _sorted(at_once) == _sorted(one_by_one)
    assert at_once.by_course and at_once.by_month  # not comparing nothing
