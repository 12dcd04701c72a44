"""Active participants come from the monthly roll-up (ActivityMonth) for the months a range
covers wholly and from the lesson completions and attempts themselves for the days of a month
it cuts: the same answer either way."""

import datetime

import pytest

from courses.models import ActivityMonth, LessonCompletion
from courses.services.progress import rebuild_activity_months, record_lesson_completion
from quizzes.services import start_attempt
from reports.filters import ReportFilters
from reports.statistics import get_report
from tests.factories import enrol_user, make_course, make_user
from tests.reports.conftest import at, attempt, enrolment, lesson_done


@pytest.fixture
def spread(db, min_cell):
    """One participant each active on 10 Jan, 20 Jan, 10 Feb (an attempt), 5 Mar, 20 Mar 2026."""
    min_cell(1)
    course = make_course(modules=1, lessons_per_module=2, quizzes_per_module=1)
    quiz = course.quizzes.get()
    for day in ("2026-01-10", "2026-01-20", "2026-03-05", "2026-03-20"):
        lesson_done(enrolment(course, enrolled="2026-01-01"), day)
    attempt(enrolment(course, enrolled="2026-01-01"), quiz, "2026-02-10", score=80)
    return course


def active(date_from=None, date_to=None):
    report = get_report(ReportFilters(date_from=date_from, date_to=date_to))
    months = {
        row.key: row.figures["active_participants"].value for row in report.breakdowns["month"]
    }
    return report.totals["active_participants"].value, {k: v for k, v in months.items() if v}


@pytest.mark.parametrize(
    ("date_from", "date_to", "total", "months"),
    [
        # Cut months at both ends, a whole month between.
        ("2026-01-15", "2026-03-10", 3, {"2026-01": 1, "2026-02": 1, "2026-03": 1}),
        # Inside one month.
        ("2026-01-15", "2026-01-25", 1, {"2026-01": 1}),
        # Whole months only.
        (None, "2026-02-28", 3, {"2026-01": 2, "2026-02": 1}),
        ("2026-02-01", None, 3, {"2026-02": 1, "2026-03": 2}),
        ("2026-03-01", "2026-03-31", 2, {"2026-03": 2}),
        # A cut month at the start, whole ones after, open end.
        ("2026-01-11", None, 4, {"2026-01": 1, "2026-02": 1, "2026-03": 2}),
        (None, None, 5, {"2026-01": 2, "2026-02": 1, "2026-03": 2}),
    ],
)
def test_activity_counts_the_days_of_the_range_whether_months_are_whole_or_cut(
    spread, date_from, date_to, total, months
):
    day = datetime.date.fromisoformat
    assert active(date_from and day(date_from), date_to and day(date_to)) == (total, months)


def test_the_services_write_the_roll_up_that_a_rebuild_from_the_records_writes(db):
    course = make_course(modules=2, lessons_per_module=2, quizzes_per_module=1)
    other = make_course(modules=1, lessons_per_module=1)
    person, someone = make_user(), make_user()
    for user in (person, someone):
        enrol_user(user, course)
    enrol_user(person, other)
    for lesson in course.lessons.all()[:3]:
        record_lesson_completion(person, lesson)
    record_lesson_completion(person, other.lessons.get())
    record_lesson_completion(someone, course.lessons.first())
    start_attempt(someone, course.quizzes.first(), now=at("2026-02-03"))

    def rows():
        return set(ActivityMonth.objects.values_list("user_id", "course_id", "month"))

    written = rows()
    assert len(written) == 4  # person x 2 courses this month; someone this month and February
    assert rebuild_activity_months() == 4
    assert rows() == written


def test_a_rebuild_follows_activity_written_with_another_date(db):
    course = make_course()
    person = make_user()
    enrol_user(person, course)
    completion = record_lesson_completion(person, course.lessons.first()).completion
    LessonCompletion.objects.filter(pk=completion.pk).update(completed_at=at("2025-07-04"))

    rebuild_activity_months(user_ids=[person.pk])

    months = ActivityMonth.objects.filter(user=person).values_list("month", flat=True)
    assert [(m.year, m.month) for m in months] == [(2025, 7)]
