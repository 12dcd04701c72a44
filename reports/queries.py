"""What the database counts for a report: grouped, conditional aggregates, a bounded number of
queries whatever the number of participants. reports.statistics turns them into a report.

Every count comes with the distinct participants it is computed from (`<name>_people`), which
small-cell suppression needs, and every group with its population (`population`: distinct
participants with an enrolment in the group, enrolled before the range's end).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth

from courses.models import ActivityMonth, Enrolment, EnrolmentStatus, LessonCompletion
from courses.services.progress import start_of_month
from elearn.snapshot import read_together
from quizzes.models import Attempt, AttemptStatus

from .filters import ReportFilters
from .regions import REGIONS, SUBREGIONS, countries_in

# Counts of enrolments (each with its participants), by the condition an enrolment meets.
ENROLMENTS = "enrolments"
COMPLETIONS = "completions"
RATE_DONE = "rate_done"  # enrolled in the range, not withdrawn by its end, completed by its end
RATE_OPEN = "rate_open"  # enrolled in the range, not withdrawn by its end, not completed by it
ISSUED = "certificates_issued"
REVOKED = "certificates_revoked"
# Distinct participants with activity.
ACTIVE = "active_participants"

ENROLMENT_COUNTS = (ENROLMENTS, COMPLETIONS, RATE_DONE, RATE_OPEN, ISSUED, REVOKED)


def in_range(field: str, filters: ReportFilters) -> Q:
    """`field` falls in the report's range (and is set)."""
    q = Q(**{f"{field}__isnull": False})
    if filters.start is not None:
        q &= Q(**{f"{field}__gte": filters.start})
    if filters.end is not None:
        q &= Q(**{f"{field}__lt": filters.end})
    return q


def list_report_enrolments(filters: ReportFilters) -> QuerySet[Enrolment]:
    """Every enrolment a report can count: in the filters' courses, cohorts, countries, regions
    and organisation types, enrolled before the range's end."""
    enrolments = Enrolment.objects.all()
    if filters.course is not None:
        enrolments = enrolments.filter(course=filters.course)
    if filters.cohort is not None:
        enrolments = enrolments.filter(cohort=filters.cohort)
    if filters.country:
        enrolments = enrolments.filter(user__country=filters.country)
    if filters.region:
        enrolments = enrolments.filter(user__country__in=filters.region_countries)
    if filters.organisation_type:
        enrolments = enrolments.filter(user__organisation_type=filters.organisation_type)
    if filters.end is not None:
        enrolments = enrolments.filter(enrolled_at__lt=filters.end)
    return enrolments


def list_report_rows(filters: ReportFilters) -> QuerySet[Enrolment]:
    """The enrolments behind a report, one row each: made or completed in the range, oldest
    first, with their participant, course, cohort and certificate."""
    rows = list_report_enrolments(filters).filter(
        in_range("enrolled_at", filters) | in_range("completed_at", filters)
    )
    return rows.select_related("user", "course", "cohort", "certificate").order_by(
        "enrolled_at", "pk"
    )


def _conditions(filters: ReportFilters) -> dict[str, Q]:
    enrolled = in_range("enrolled_at", filters)
    if filters.end is not None:
        withdrawn = Q(status=EnrolmentStatus.WITHDRAWN, withdrawn_at__lt=filters.end)
        done = Q(completed_at__lt=filters.end)
    else:
        withdrawn = Q(status=EnrolmentStatus.WITHDRAWN)
        done = Q(completed_at__isnull=False)
    counted = enrolled & ~withdrawn
    return {
        ENROLMENTS: enrolled,
        COMPLETIONS: in_range("completed_at", filters),
        RATE_DONE: counted & done,
        RATE_OPEN: counted & ~done,
        ISSUED: in_range("certificate__issued_at", filters),
        REVOKED: in_range("certificate__revoked_at", filters),
    }


def _current_in_range(filters: ReportFilters) -> Q | None:
    """The enrolment was not withdrawn before the range began (activity on the course then
    belongs to it)."""
    if filters.start is None:
        return None
    return ~Q(withdrawn_at__lt=filters.start)


@dataclass
class Counts:
    """The grouped counts of a report, before any roll-up or suppression. Each row is a dict
    with `population`, every name of ENROLMENT_COUNTS and `<name>_people`, and
    `active_participants_people`."""

    by_cohort: list[dict]
    by_course: list[dict]
    # By country and organisation type together: each participant is in exactly one of these
    # groups, so every count, of enrolments or of distinct participants, adds up exactly to
    # countries, sub-regions, regions, organisation types and the total.
    by_person_group: list[dict]
    by_month: dict[str, dict[str, tuple[int, int]]]  # figure: {month: (value, participants)}
    medians: dict[str, dict[object, datetime.timedelta]]  # dimension: {key: median}
    quizzes: list[tuple[int, int, int, float]]  # (quiz id, attempted, passed, mean best score)


# Memory PostgreSQL may give each hash of a report's statements (its default, 4 MB, makes the
# per-participant hashes of 100,000 enrolments spill to disk). Set for the report's transactions
# only: two statements at once may take twice this; reports are few and for admins.
REPORT_WORK_MEM = "64MB"


def count_report(filters: ReportFilters) -> Counts:
    """Every count a report needs, from the database, in four statements: counts by cohort,
    course, person group and month; active participants by month; the medians; the quizzes. On
    PostgreSQL they run on two connections at once, the counts by group on one and the other
    three on the other, all reading one snapshot (elearn.snapshot.read_together): a report
    takes about half as long as the sum of them, and still adds up as if read at one
    instant."""

    def part(count):
        # Each part builds its own queryset: a query is not compiled by two threads at once.
        return lambda: count(filters, list_report_enrolments(filters))

    others = {"active_months": _count_active_months, "medians": _medians, "quizzes": _quizzes}
    # Two connections, not four: the counts by group take about as long as the other three one
    # after the other (100,000 enrolments: 0.64 s against 0.68 s). Four at once on two
    # processors share them, and the longest statement ended later (a report 1.0 s against
    # 0.83 s); with more processors, four would gain little more.
    lanes = read_together(
        {
            "groups": part(_count_groups),
            "others": lambda: {name: part(count)() for name, count in others.items()},
        },
        using=list_report_enrolments(filters).db,
        work_mem=REPORT_WORK_MEM,
    )
    groups, parts = lanes["groups"], lanes["others"]
    return Counts(
        by_cohort=groups["cohort"],
        by_course=groups["course"],
        by_person_group=groups["person"],
        by_month=_months_of(groups, parts["active_months"]),
        medians=parts["medians"],
        quizzes=parts["quizzes"],
    )


# The months of each figure: by the date of the enrolment, completion, issue, revocation.
_MONTHS = {
    "enrolled_month": ("enrolled_at", ENROLMENTS, (ENROLMENTS, RATE_DONE, RATE_OPEN)),
    "completed_month": ("completed_at", COMPLETIONS, (COMPLETIONS,)),
    "issued_month": ("certificate__issued_at", ISSUED, (ISSUED,)),
    "revoked_month": ("certificate__revoked_at", REVOKED, (REVOKED,)),
}
_COLUMNS = ["population"]
for _name in ENROLMENT_COUNTS:
    _COLUMNS += [_name, f"{_name}_people"]
_COLUMNS.append(f"{ACTIVE}_people")


def _count_groups(filters: ReportFilters, enrolments: QuerySet[Enrolment]) -> dict[str, list]:
    """Counts by cohort, by course, by country and organisation type, and by month, in one
    statement, so that the enrolments and their joins are read once.

    `ev`: who was active on which course in which month (lesson completions, quiz attempts
    started in the range: _activity); `f`: one row per enrolment of the report with a flag per
    condition (the ORM's SQL, which writes the filters' joins) and whether its participant was
    active on its course (materialised once: every breakdown reads it). Then one GROUP BY per
    breakdown over `f`, stacked with UNION ALL. Active participants by month are counted apart
    (_count_active_months), at the same time.
    """
    current = _current_in_range(filters)
    flags = {f"is_{name}": q for name, q in _conditions(filters).items()}
    flags["is_current"] = current if current is not None else Q(pk__isnull=False)
    e = enrolments.annotate(
        country=F("user__country"),
        organisation_type=F("user__organisation_type"),
        **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()},
        **{month: TruncMonth(field) for month, (field, _n, _c) in _MONTHS.items()},
    ).values("id", "user_id", "course_id", "cohort_id", "country", "organisation_type",
             *flags, *_MONTHS)  # fmt: skip
    e_sql, e_params = e.order_by().query.sql_with_params()
    ev_sql, ev_params = _activity(filters).query.sql_with_params()
    # Every name below is one of ours; values come from the ORM's SQL and its parameters.
    # One enrolment per participant and cohort (a constraint): by cohort, counts of enrolments
    # are counts of participants, in one step.
    per_cohort = ["COUNT(*)"]
    for name in ENROLMENT_COUNTS:
        per_cohort += [f"COUNT(*) FILTER (WHERE is_{name})"] * 2
    per_cohort.append("COUNT(*) FILTER (WHERE is_active)")
    arms = [
        f"SELECT 'cohort', CAST(cohort_id AS TEXT), '', {', '.join(per_cohort)} "  # noqa: S608
        "FROM f GROUP BY cohort_id",
        _arm("course", ["course_id"], *_two_steps(ENROLMENT_COUNTS, active=True), "f"),
        _arm(
            "person",
            ["country", "organisation_type"],
            *_two_steps(ENROLMENT_COUNTS, active=True),
            "f",
        ),
    ]
    # By month, only the figures dated by that month's field (the rest would be thrown away).
    for month, (_field, name, counted) in _MONTHS.items():
        arms.append(_arm(month, [month], *_two_steps(counted, active=False), "f", f"is_{name}"))
    sql = (
        "WITH ev AS (" + ev_sql + "), "  # noqa: S608 - the ORM's SQL
        "pairs AS (SELECT DISTINCT user_id, course_id FROM ev), "
        "f AS (SELECT e.*, (e.is_current AND pairs.user_id IS NOT NULL) AS is_active "
        "FROM (" + e_sql + ") AS e "
        "LEFT JOIN pairs ON pairs.user_id = e.user_id AND pairs.course_id = e.course_id) "
        + " UNION ALL ".join(arms)
    )
    return _grouped_rows(enrolments.db, sql, (*ev_params, *e_params))


def _count_active_months(
    filters: ReportFilters, enrolments: QuerySet[Enrolment]
) -> dict[str, list]:
    """Participants active in each month on the course of an enrolment of the report that was
    current then, in one statement."""
    current = _current_in_range(filters)
    if current is not None:
        enrolments = enrolments.filter(current)
    e_sql, e_params = enrolments.values("user_id", "course_id").order_by().query.sql_with_params()
    ev_sql, ev_params = _activity(filters).query.sql_with_params()
    active = [*(["0"] * (len(_COLUMNS) - 1)), "COUNT(*)"]
    # A semi-join: each activity row is looked up once, however many enrolments match it.
    source = (
        "(SELECT ev.month, ev.user_id FROM (" + ev_sql + ") AS ev WHERE EXISTS "  # noqa: S608
        "(SELECT 1 FROM (" + e_sql + ") AS c "
        "WHERE c.user_id = ev.user_id AND c.course_id = ev.course_id)) AS a"
    )
    sql = _arm("active_month", ["month"], ["1 AS one"], active, source)
    return _grouped_rows(enrolments.db, sql, (*ev_params, *e_params))


def _grouped_rows(using: str, sql: str, params) -> dict[str, list]:
    """The rows of a statement of _arm()s, by kind, as dicts of _COLUMNS and the kind's key."""
    groups: dict[str, list] = defaultdict(list)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for kind, key, second, *values in cursor.fetchall():
            # int(): PostgreSQL's SUM() is a numeric
            row = {name: int(value or 0) for name, value in zip(_COLUMNS, values, strict=True)}
            if kind == "cohort":
                row["cohort_id"] = int(key)
            elif kind == "course":
                row["course_id"] = int(key)
            elif kind == "person":
                row["country"], row["organisation_type"] = key, second
            else:
                row["month"] = month_key(key)
            groups[kind].append(row)
    return groups


def _activity(filters: ReportFilters) -> QuerySet:
    """Who was active on which course in which month of the range (user_id, course, month),
    not deduplicated across sources: the roll-up ActivityMonth for the months wholly inside the
    range, lesson completions and quiz attempts themselves for the days of a month the range
    cuts (its first and last). The open end of a range reaches the roll-up's current month,
    which record_lesson_completion and start_attempt keep up to date."""
    start, end = filters.start, filters.end
    first_whole = _next_month_start(start) if start is not None else None
    last_whole_end = start_of_month(end) if end is not None else None
    if first_whole is not None and last_whole_end is not None and first_whole >= last_whole_end:
        whole, edges = None, [(start, end)]  # no whole month: all from the records
    else:
        whole = ActivityMonth.objects.all()
        if first_whole is not None:
            whole = whole.filter(month__gte=first_whole)
        if last_whole_end is not None:
            whole = whole.filter(month__lt=last_whole_end)
        edges = []
        if start is not None and start < first_whole:
            edges.append((start, first_whole))
        if end is not None and last_whole_end < end:
            edges.append((last_whole_end, end))
    parts = []
    if whole is not None:
        parts.append(whole.values("user_id", "course_id", "month"))
    for since, until in edges:
        parts += [
            LessonCompletion.objects.filter(completed_at__gte=since, completed_at__lt=until)
            .values("user_id", course_id=F("lesson__course_id"), month=TruncMonth("completed_at"))
            .order_by()
            .distinct(),
            Attempt.objects.filter(started_at__gte=since, started_at__lt=until)
            .values("user_id", course_id=F("quiz__course_id"), month=TruncMonth("started_at"))
            .order_by()
            .distinct(),
        ]
    return parts[0].union(*parts[1:], all=True)


def _next_month_start(moment: datetime.datetime) -> datetime.datetime:
    """The first moment of the first month that begins at or after `moment`."""
    month = start_of_month(moment)
    if month == moment:
        return month
    # Wall-clock arithmetic (zoneinfo): local midnight of the next month's first day.
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _two_steps(names, *, active: bool) -> tuple[list[str], list[str]]:
    """The columns of a breakdown's two steps (per group and participant, then per group), so
    that the database hashes instead of sorting for every distinct count: the counts of
    `names` (and of active participants if `active`), zeros for the other columns. Every name
    is one of ours."""
    per_person, per_group = [], ["COUNT(*)"]
    for name in ENROLMENT_COUNTS:
        if name in names:
            per_person += [
                f"COUNT(*) FILTER (WHERE is_{name}) AS n_{name}",
                f"MAX(CASE WHEN is_{name} THEN 1 ELSE 0 END) AS p_{name}",
            ]
            per_group += [f"SUM(n_{name})", f"SUM(p_{name})"]
        else:
            per_group += ["0", "0"]
    if active:
        per_person.append("MAX(CASE WHEN is_active THEN 1 ELSE 0 END) AS p_active")
    per_group.append("SUM(p_active)" if active else "0")
    return per_person, per_group


def _arm(kind, keys, per_person, per_group, source, where="") -> str:
    """One SELECT of the statement: (kind, first key, second key, *per_group) by `keys`."""
    condition = f" WHERE {where}" if where else ""
    inner_keys = ", ".join(f"{key} AS k{n}" for n, key in enumerate(keys, start=1))
    aliases = ", ".join(f"k{n}" for n in range(1, len(keys) + 1))
    second = "k2" if len(keys) > 1 else "''"
    inner = (
        f"SELECT {inner_keys}, user_id, {', '.join(per_person)} FROM {source}{condition} "  # noqa: S608
        f"GROUP BY {', '.join(keys)}, user_id"
    )
    return (
        f"SELECT '{kind}', CAST(k1 AS TEXT), {second}, {', '.join(per_group)} "  # noqa: S608
        f"FROM ({inner}) AS per_person GROUP BY {aliases}"
    )


def _months_of(
    groups: dict[str, list], active: dict[str, list]
) -> dict[str, dict[str, tuple[int, int]]]:
    """Each figure by month: those of `groups` (_count_groups) by their own dates, active
    participants from `active` (_count_active_months)."""
    months: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for kind, (_field, _name, counted) in _MONTHS.items():
        for row in groups[kind]:
            for name in counted:
                months[name][row["month"]] = (row[name], row[f"{name}_people"])
    for row in active["active_month"]:
        people = row[f"{ACTIVE}_people"]
        months[ACTIVE][row["month"]] = (people, people)
    return months


def _select_over(queryset: QuerySet, sql: str) -> list[tuple]:
    """Rows of `sql` around the queryset's own SQL (an aggregate over an aggregate, which the
    ORM cannot group)."""
    inner, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql.format(inner), params)
        return cursor.fetchall()


def month_key(value) -> str:
    """ "YYYY-MM" of a month as the database returns it (a datetime, or text from SQLite
    through raw SQL)."""
    if isinstance(value, str):
        return value[:7]
    return f"{value.year:04d}-{value.month:02d}"


def area_expression(level: str) -> Case:
    """The participant's M49 region (`level` "region") or sub-region code, "" for none."""
    areas = REGIONS if level == "region" else SUBREGIONS
    return Case(
        *(When(user__country__in=countries_in(a.code), then=Value(a.code)) for a in areas),
        default=Value(""),
    )


MEDIAN_GROUPS = {
    "total": {},
    "course": {"key": F("course_id")},
    "cohort": {"key": F("cohort_id")},
    "country": {"key": F("user__country")},
    "region": {"key": area_expression("region")},
    "subregion": {"key": area_expression("subregion")},
    "organisation_type": {"key": F("user__organisation_type")},
    "month": {"key": TruncMonth("completed_at")},
}


def _medians(filters, enrolments) -> dict[str, dict[object, datetime.timedelta]]:
    """Median time from enrolment to completion of the completions in the range, by each
    breakdown: on PostgreSQL one statement, percentile_cont over GROUPING SETS (one read of
    the completions for every breakdown); elsewhere (SQLite, for development) the durations
    themselves, grouped here."""
    completed = enrolments.filter(in_range("completed_at", filters))
    duration = ExpressionWrapper(F("completed_at") - F("enrolled_at"), output_field=DurationField())
    if connections[enrolments.db].vendor != "postgresql":
        return _medians_in_python(completed, duration)
    dimensions = [name for name in MEDIAN_GROUPS if MEDIAN_GROUPS[name]]
    columns = [f"by_{name}" for name in dimensions]  # not a field's name
    keyed = completed.values(
        duration=duration, **{f"by_{name}": MEDIAN_GROUPS[name]["key"] for name in dimensions}
    ).order_by()
    # GROUPING(a, b, ...) has a bit set for each key a row is not grouped by: the total's row
    # has them all, a dimension's row all but its own.
    every = (1 << len(dimensions)) - 1
    sets = ", ".join(["()", *(f"({column})" for column in columns)])
    rows = _select_over(
        keyed,
        f"SELECT GROUPING({', '.join(columns)}), {', '.join(columns)}, "  # noqa: S608
        "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY duration) "
        f"FROM ({{}}) AS keyed GROUP BY GROUPING SETS ({sets})",
    )
    medians: dict[str, dict[object, datetime.timedelta]] = {name: {} for name in MEDIAN_GROUPS}
    for grouping, *keys, median in rows:
        if median is None:  # the total of no completions
            continue
        if grouping == every:
            medians["total"][""] = median
            continue
        position = next(n for n in range(len(dimensions)) if not grouping & (1 << n))
        # GROUPING's first argument is its highest bit.
        name = dimensions[len(dimensions) - 1 - position]
        key = keys[dimensions.index(name)]
        medians[name][month_key(key) if name == "month" else key] = median
    return medians


def _medians_in_python(completed, duration) -> dict[str, dict[object, datetime.timedelta]]:
    from .regions import region_of, subregion_of

    groups: dict[str, dict[object, list]] = defaultdict(lambda: defaultdict(list))
    rows = completed.values_list(
        "course_id", "cohort_id", "user__country", "user__organisation_type", "completed_at"
    ).annotate(duration=duration)
    for course, cohort, country, organisation_type, completed_at, spent in rows:
        region, subregion = region_of(country), subregion_of(country)
        for dimension, key in (
            ("total", ""),
            ("course", course),
            ("cohort", cohort),
            ("country", country),
            ("region", region.code if region else ""),
            ("subregion", subregion.code if subregion else ""),
            ("organisation_type", organisation_type),
            ("month", month_key(completed_at)),
        ):
            groups[dimension][key].append(spent)
    return {
        dimension: {key: _median(values) for key, values in by_key.items()}
        for dimension, by_key in groups.items()
    }


def _median(values: list[datetime.timedelta]) -> datetime.timedelta:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _quizzes(filters, enrolments) -> list[tuple[int, int, int, float]]:
    """Per quiz of the report's courses, among the report's participants who submitted an
    attempt in the range: how many, how many passed (any attempt in the range), their mean
    best score. (Participants and courses are matched separately, each an uncorrelated list
    the database hashes once: one can only attempt a quiz of a course one is enrolled in.)"""
    best = (
        Attempt.objects.filter(
            in_range("submitted_at", filters),
            status=AttemptStatus.SUBMITTED,
            user__in=enrolments.values("user_id"),
            quiz__course__in=enrolments.values("course_id"),
        )
        .values("quiz_id", "user_id")
        .annotate(
            best=Max("score"),
            passed=Max(Case(When(passed=True, then=1), default=0, output_field=IntegerField())),
        )
        .order_by()
    )
    rows = _select_over(
        best,
        "SELECT quiz_id, COUNT(*), SUM(passed), AVG(best) FROM ({}) AS best GROUP BY quiz_id",
    )
    return [(quiz, attempted, passed, float(mean)) for quiz, attempted, passed, mean in rows]
