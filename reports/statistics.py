"""Completion statistics: the figures of a report, how they are defined, and their small-cell
suppression. The page, the API, and later exports and the funder PDF all read them from
`get_report`, so every door shows the same (suppressed) numbers.

Definitions, for a date range [from, to] (whole days, both included; empty ends are open):

- Enrolments: enrolments made in the range (whatever became of them since).
- Active participants: distinct participants who did something on a course in the range:
  completed a lesson or started a quiz attempt, on a course they were enrolled in
  (not withdrawn before the range began).
- Completions: enrolments completed in the range, whenever they were made.
- Completion rate: of the enrolments made in the range and not withdrawn by its end, the share
  completed by its end. It looks at the same enrolments as the first figure, so it never
  passes 100%, and a past range gives the same rate later.
- Median days to complete: the median time from enrolment to completion of the completions
  in the range, in days.
- Certificates issued, revoked: certificates issued (a re-issue after a correction counts at
  its latest date) or revoked in the range.
- Per quiz, among participants who submitted an attempt in the range: their number, the share
  who passed (with any of those attempts) and the mean of their best scores.

Counts are of enrolments (a participant in two courses counts in each); "participants" are
distinct people. A breakdown's rows add up to the total for counts of enrolments; for active
participants they may add up to more (someone active in two courses, or in two months).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import OrganisationType
from courses.models import Cohort
from quizzes.models import Quiz

from . import queries
from .filters import DIMENSIONS, ReportFilters
from .queries import ACTIVE, COMPLETIONS, ENROLMENTS, ISSUED, RATE_DONE, RATE_OPEN, REVOKED
from .regions import (
    REGIONS,
    SUBREGIONS,
    get_area,
    region_of,
    region_of_subregion,
    subregion_of,
)
from .suppression import Count, Group, Mark, is_small, min_cell, rate_mark, suppress_counts

COMPLETION_RATE = "completion_rate"
MEDIAN_DAYS = "median_days_to_complete"
# The figures of every row, in the order they are shown.
FIGURES = (ENROLMENTS, ACTIVE, COMPLETIONS, COMPLETION_RATE, MEDIAN_DAYS, ISSUED, REVOKED)
COUNTED = (ENROLMENTS, ACTIVE, COMPLETIONS, RATE_DONE, RATE_OPEN, ISSUED, REVOKED)

TOTAL = ("total", "")


@dataclass(frozen=True)
class Figure:
    """A figure of a report: its value (None when there is none, e.g. no completion to take
    a median of, or when suppressed) and why it is not shown, if it is not."""

    value: int | float | None
    mark: Mark | None = None

    @property
    def suppressed(self) -> bool:
        return self.mark is not None


@dataclass
class Row:
    key: str  # a course slug, cohort id, country or M49 code, organisation type, "YYYY-MM"
    label: str
    figures: dict[str, Figure]
    parent: str = ""  # the label of the row this one belongs to (a cohort's course...)


@dataclass
class QuizRow:
    quiz_id: int
    title: str
    course_title: str
    attempted: Figure
    pass_rate: Figure
    mean_best_score: Figure


@dataclass
class Report:
    filters: ReportFilters
    min_cell: int
    totals: dict[str, Figure]
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    quizzes: list[QuizRow] = field(default_factory=list)


def get_report(filters: ReportFilters) -> Report:
    """The statistics of the filtered enrolments, every breakdown included and suppressed
    together (a breakdown alone would be suppressed differently, and two of them side by side
    could then give a small cell away). A bounded number of queries."""
    counts = queries.count_report(filters)
    k = min_cell()
    table = _Table(counts, filters)
    marks = {name: suppress_counts(table.column(name), table.groups(name), k=k) for name in COUNTED}

    def figures(key) -> dict[str, Figure]:
        return table.figures(key, marks, k)

    report = Report(filters=filters, min_cell=k, totals=figures(TOTAL))
    for dimension in DIMENSIONS:
        report.breakdowns[dimension] = [
            Row(key=public_key, label=label, parent=parent, figures=figures(key))
            for key, public_key, label, parent in table.rows(dimension)
        ]
    report.quizzes = _quiz_rows(counts.quizzes, k)
    return report


class _Table:
    """Every cell of a report before suppression, keyed (dimension, key), and how they nest."""

    def __init__(self, counts: queries.Counts, filters: ReportFilters):
        self.cells: dict[tuple, dict[str, Count]] = {}
        self.medians = counts.medians
        self._add_groups("cohort", counts.by_cohort, "cohort_id")
        self._add_groups("course", counts.by_course, "course_id")
        self._add_person_groups(counts.by_person_group)
        cohorts = Cohort.objects.filter(pk__in=[r["cohort_id"] for r in counts.by_cohort])
        self.cohorts = {cohort.pk: cohort for cohort in cohorts.select_related("course")}
        self.months = _months(filters, counts.by_month)
        population = self.cells[TOTAL]["population"].value if TOTAL in self.cells else 0
        for month in self.months:
            self.cells[("month", month)] = {
                name: Count(*counts.by_month.get(name, {}).get(month, (0, 0)), population)
                for name in COUNTED
            } | {"population": Count(population, population, population)}
        if TOTAL not in self.cells:  # nobody at all
            self.cells[TOTAL] = {name: Count(0, 0, 0) for name in (*COUNTED, "population")}

    def _add_groups(self, dimension: str, rows: list[dict], key_field: str) -> None:
        for row in rows:
            self.cells[(dimension, row[key_field])] = _counts_of(row)

    def _add_person_groups(self, rows: list[dict]) -> None:
        """Country, sub-region, region, organisation type and total: sums of the groups by
        country and organisation type (each participant is in exactly one)."""
        sums: dict[tuple, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0, 0])
        )
        for row in rows:
            country = row["country"] or ""
            region, subregion = region_of(country), subregion_of(country)
            keys = [
                TOTAL,
                ("country", country),
                ("region", region.code if region else ""),
                ("subregion", subregion.code if subregion else ""),
                ("organisation_type", row["organisation_type"] or ""),
            ]
            for name, count in _counts_of(row).items():
                for key in keys:
                    total = sums[key][name]
                    total[0] += count.value
                    total[1] += count.participants
                    total[2] += row["population"]
        for key, by_name in sums.items():
            self.cells[key] = {name: Count(*values) for name, values in by_name.items()}

    def keys(self, dimension: str) -> list[tuple]:
        return [key for key in self.cells if key[0] == dimension]

    def column(self, name: str) -> dict[tuple, Count]:
        return {key: cells[name] for key, cells in self.cells.items()}

    def groups(self, name: str) -> list[Group]:
        """How the cells of figure `name` add up: courses and their cohorts, regions, their
        sub-regions and their countries, organisation types, months, all to the total."""
        # Distinct participants do not add up over courses and months (one can be in several).
        people = name == ACTIVE
        groups = [
            Group(TOTAL, tuple(self.keys("course")), additive=not people),
            Group(TOTAL, tuple(self.keys("region"))),
            Group(TOTAL, tuple(self.keys("organisation_type"))),
            Group(TOTAL, tuple(self.keys("month")), additive=not people),
        ]
        cohorts_of = defaultdict(list)
        for key in self.keys("cohort"):
            cohorts_of[("course", self.cohorts[key[1]].course_id)].append(key)
        subregions_of, countries_of = defaultdict(list), defaultdict(list)
        for key in self.keys("subregion"):
            parent = ("region", region_of_subregion(key[1]).code if key[1] else "")
            subregions_of[parent].append(key)
        for key in self.keys("country"):
            subregion = subregion_of(key[1])
            countries_of[("subregion", subregion.code if subregion else "")].append(key)
        for parent, children in cohorts_of.items():
            groups.append(Group(parent, tuple(children), additive=not people))
        for mapping in (subregions_of, countries_of):
            groups += [Group(parent, tuple(children)) for parent, children in mapping.items()]
        return [g for g in groups if g.children]

    def figures(self, key: tuple, marks: dict[str, dict], k: int) -> dict[str, Figure]:
        cells = self.cells[key]
        population = (
            cells["population"].value
            if key[0] != "month"
            else self.cells[TOTAL]["population"].value
        )
        small_row = 0 < population < k
        figures = {
            name: Figure(None if marks[name][key] else cells[name].value, marks[name][key])
            for name in (ENROLMENTS, ACTIVE, COMPLETIONS, ISSUED, REVOKED)
        }
        done, open_ = cells[RATE_DONE].value, cells[RATE_OPEN].value
        mark = rate_mark(marks[RATE_DONE][key], marks[RATE_OPEN][key], small_population=small_row)
        rate = round(100 * done / (done + open_), 1) if done + open_ else None
        figures[COMPLETION_RATE] = Figure(None if mark else rate, mark)
        median = self.medians.get(key[0], {}).get(key[1])
        completions = cells[COMPLETIONS]
        mark = Mark.SMALL if is_small(completions.participants, population, k=k) else None
        days = round(median / datetime.timedelta(days=1), 1) if median is not None else None
        figures[MEDIAN_DAYS] = Figure(None if mark else days, mark)
        return figures

    def rows(self, dimension: str) -> list[tuple[tuple, str, str, str]]:
        """(cell key, public key, label, parent label) of each row of a breakdown, in the order
        shown."""
        keys = self.keys(dimension)
        if dimension == "cohort":
            ordered = sorted(
                keys,
                key=lambda k: (
                    self.cohorts[k[1]].course.order,
                    self.cohorts[k[1]].course.title,
                    not self.cohorts[k[1]].is_default,
                    self.cohorts[k[1]].starts_on or datetime.date.min,
                    self.cohorts[k[1]].name,
                ),
            )
            return [
                (k, str(k[1]), self.cohorts[k[1]].name, self.cohorts[k[1]].course.title)
                for k in ordered
            ]
        if dimension == "course":
            courses = {c.course_id: c.course for c in self.cohorts.values()}
            ordered = sorted(keys, key=lambda k: (courses[k[1]].order, courses[k[1]].title))
            return [(k, courses[k[1]].slug, courses[k[1]].title, "") for k in ordered]
        if dimension == "country":
            named = [(k, str(countries.name(k[1])) if k[1] else _("Not stated")) for k in keys]
            named.sort(key=lambda pair: (not pair[0][1], pair[1]))
            return [(k, k[1], label, _area_label(subregion_of(k[1]))) for k, label in named]
        if dimension in ("region", "subregion"):
            order = [a.code for a in (REGIONS if dimension == "region" else SUBREGIONS)] + [""]
            ordered = sorted(keys, key=lambda k: order.index(k[1]))
            return [(k, k[1], _area_label(get_area(k[1])), "") for k in ordered]
        if dimension == "organisation_type":
            order = [*OrganisationType.values, ""]
            labels = dict(OrganisationType.choices)
            ordered = sorted(keys, key=lambda k: order.index(k[1]) if k[1] in order else 99)
            return [(k, k[1], str(labels.get(k[1], _("Not stated"))), "") for k in ordered]
        return [(("month", m), m, m, "") for m in self.months]


def _counts_of(row: dict) -> dict[str, Count]:
    population = row["population"]
    counts = {
        name: Count(row[name], row[f"{name}_people"], population)
        for name in queries.ENROLMENT_COUNTS
    }
    people = row[f"{ACTIVE}_people"]
    counts[ACTIVE] = Count(people, people, population)
    counts["population"] = Count(population, population, population)
    return counts


def _area_label(area) -> str:
    return str(area.name) if area else _("Other or not stated")


def _months(filters: ReportFilters, by_month: dict[str, dict]) -> list[str]:
    """Every month from the range's first (or the first with data) to its last (or the last
    with data), so that a line has no holes."""
    seen = sorted({month for values in by_month.values() for month in values})
    first = filters.date_from.strftime("%Y-%m") if filters.date_from else None
    last = filters.date_to.strftime("%Y-%m") if filters.date_to else None
    first = max(first or seen[0], seen[0]) if seen else first
    last = min(last or seen[-1], seen[-1]) if seen else last
    if not first or not last or first > last:
        return []
    months, (year, month) = [], map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _quiz_rows(rows: list[tuple[int, int, int, float]], k: int) -> list[QuizRow]:
    """Per quiz: attempted, pass rate and mean best score, each shown only if computed from
    at least K participants (no totals here, so nothing to subtract from)."""
    quizzes = Quiz.objects.filter(pk__in=[r[0] for r in rows]).select_related("course", "module")
    by_id = {quiz.pk: quiz for quiz in quizzes}
    result = []
    for quiz_id, attempted, passed, mean in rows:
        quiz = by_id[quiz_id]
        small = is_small(attempted, attempted, k=k)
        failed = attempted - passed
        rate_small = small or is_small(passed, attempted, k=k) or is_small(failed, attempted, k=k)
        result.append(
            QuizRow(
                quiz_id=quiz_id,
                title=quiz.title,
                course_title=quiz.course.title,
                attempted=Figure(None, Mark.SMALL) if small else Figure(attempted),
                pass_rate=Figure(None, Mark.SMALL)
                if rate_small
                else Figure(round(100 * passed / attempted, 1)),
                mean_best_score=Figure(None, Mark.SMALL) if small else Figure(round(mean, 1)),
            )
        )
    result.sort(key=lambda r: (by_id[r.quiz_id].course.title, by_id[r.quiz_id].module.order,
                               by_id[r.quiz_id].order))  # fmt: skip
    return result
