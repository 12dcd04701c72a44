"""The `reports` scenario: server time of the statistics page (/reports/) for all of 100,000
enrolments, against a target of 1 s.

Data, written in bulk (the ORM's bulk_create for people and enrolments, INSERT ... SELECT for
the rest): 4 courses of 9 lessons and 3 quizzes, 40 cohorts, 70,000 participants in 60
countries (a few with only a handful of people, so suppression has work to do) and 8
organisation types, 100,000 enrolments over two years (about 45% completed, 5% withdrawn),
every lesson of a completed enrolment done and about half of the others', a submitted attempt
at most quizzes (a second at some), a certificate for each completion (5% revoked), and the
months of activity they make (rebuild_activity_months).

Measured: the page as an admin sees it, unfiltered (all time, every breakdown), through
gunicorn, the median of ROUNDS requests after a first one; then the same with a year's range
and one course; the SQL queries of one page; then `get_report` alone in this process, its
statements read on two connections at once (as the page does, reports.queries.count_report) and
one after the other, with the time of each statement. `bench/run.py reports` runs only this
scenario.
"""

from __future__ import annotations

import random
import statistics
import time

from bench import BenchError
from bench.data import build_course
from bench.harness import Bench, count_queries, http_get

ENROLMENTS = 100_000
PEOPLE = 70_000
ROUNDS = 5
TARGET_SECONDS = 1.0
ADMIN_EMAIL = "admin@reports.bench.example"

# Country codes with relative weights: many from a few countries, a long tail, and three
# countries with 1 to 4 participants.
COUNTRIES = (
    [("KE", 60), ("NG", 55), ("SN", 40), ("GH", 35), ("ZA", 30), ("MA", 25), ("EG", 25)]
    + [("PE", 30), ("CO", 30), ("MX", 25), ("BR", 20), ("AR", 15), ("CL", 10), ("GT", 8)]
    + [("FR", 25), ("ES", 20), ("GB", 20), ("DE", 15), ("PL", 10), ("UA", 8), ("SE", 5)]
    + [("IN", 30), ("BD", 15), ("PH", 20), ("VN", 15), ("ID", 15), ("JO", 15), ("LB", 10)]
    + [("US", 10), ("CA", 8), ("AU", 5), ("NZ", 3), ("FJ", 2), ("PG", 2)]
    + [(code, 1) for code in ("BF", "BJ", "CI", "ML", "NE", "TG", "CM", "GA", "TD", "RW")]
    + [(code, 1) for code in ("UG", "TZ", "ET", "ZM", "ZW", "BO", "EC", "PY", "UY", "HN")]
    + [(code, 1) for code in ("NI", "SV", "PA", "DO", "HT")]
    + [("", 5)]  # not stated
)
TINY = {"TV": 1, "NR": 3, "IS": 4}  # participants from these: always "<5"
ORGANISATION_TYPES = [
    "procurement_agency", "ministry", "nhri", "ngo", "academic", "business", "international",
    "other", "",
]  # fmt: skip


def reports(bench: Bench) -> None:
    """The statistics page for 100,000 enrolments against the 1 s target."""
    from django.db import transaction

    started = time.perf_counter()
    admin, courses = seed()
    seeded = time.perf_counter() - started
    headers = bench.session_headers(admin)
    year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
    pages = [
        ("all enrolments, no filter", "/reports/"),
        ("a year, one course", f"/reports/?from={year_ago}&course={courses[0].slug}"),
        ("API summary by country", "/api/v1/reports/summary/?group_by=country"),
    ]
    print(
        f"\nStatistics page: {ENROLMENTS:,} enrolments of {PEOPLE:,} participants in "
        f"{len(COUNTRIES) + len(TINY)} countries, 4 courses, 40 cohorts; seeded in "
        f"{seeded:.0f} s\n  server time, median of {ROUNDS} requests through gunicorn after "
        f"one not counted (target <= {TARGET_SECONDS:g} s for the first)"
    )
    for label, path in pages:
        times = _times(bench, path, headers)
        median = statistics.median(times)
        verdict = ""
        if path == "/reports/":
            verdict = f"   {'meets' if median <= TARGET_SECONDS else 'BELOW'} the target"
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {label:<28}{median:>7.2f} s   (runs: {runs}){verdict}")
    # In a transaction, the statements the page reads at once run on this connection: counted.
    with transaction.atomic():
        queries = count_queries("/reports/", admin)
    print(f"  {'SQL queries per page':<28}{queries:>7}")
    _parts()


def _times(bench: Bench, path: str, headers: dict[str, str]) -> list[float]:
    status, body = http_get(bench.server.base_url, path, headers)
    if status != 200:
        raise BenchError(f"GET {path} returned {status}: {body[:300]!r}")
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        status, _body = http_get(bench.server.base_url, path, headers)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise BenchError(f"GET {path} returned {status}")
    return times


def _parts() -> None:
    """Where one unfiltered report's time goes, in this process: its statements on two
    connections at once (as the page reads them) and one after the other in one
    transaction (the simpler way, which the target rules out), alternately."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reports.filters import ReportFilters
    from reports.statistics import get_report

    get_report(ReportFilters())
    at_once, one_by_one = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        get_report(ReportFilters())
        at_once.append(time.perf_counter() - started)
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            get_report(ReportFilters())
            one_by_one.append(time.perf_counter() - started)
    print(
        f"  {'get_report in process':<28}{statistics.median(at_once):>7.2f} s   statements on "
        f"two connections at once, one snapshot\n  {'':<28}"
        f"{statistics.median(one_by_one):>7.2f} s   one after the other in one transaction"
    )
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]:
        print(f"    {float(query['time']):.3f} s  {query['sql'][:110]}...")


def seed():
    from allauth.account.models import EmailAddress
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from courses.models import Cohort, Enrolment, EnrolmentStatus
    from courses.services.enrolment import ensure_default_cohort
    from courses.services.progress import rebuild_activity_months

    rng = random.Random(49)
    admin = User.objects.create_user(ADMIN_EMAIL, None, full_name="Bench Admin", is_staff=True)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    courses = [
        build_course(slug=f"reports-{n}", modules=3, lessons_per_module=3, questions=3)
        for n in range(1, 5)
    ]
    cohorts = {course.pk: [ensure_default_cohort(course)] for course in courses}
    for course in courses:
        cohorts[course.pk] += Cohort.objects.bulk_create(
            Cohort(course=course, name=f"Cohort {n} of {course.slug}") for n in range(1, 10)
        )

    codes = [code for code, _weight in COUNTRIES]
    weights = [weight for _code, weight in COUNTRIES]
    countries = rng.choices(codes, weights, k=PEOPLE - sum(TINY.values()))
    countries += [code for code, count in TINY.items() for _ in range(count)]
    people = []
    for n, country in enumerate(countries):
        user = User(
            email=f"p{n}@reports.bench.example", full_name=f"Participant {n}", country=country,
            organisation_type=rng.choice(ORGANISATION_TYPES),
        )  # fmt: skip
        user.set_unusable_password()
        people.append(user)
    people = User.objects.bulk_create(people, batch_size=5000)

    now = timezone.now()
    two_years = 730 * 86400
    enrolments = []
    for n in range(ENROLMENTS):
        user = people[n % PEOPLE]
        course = courses[(n // PEOPLE + n) % len(courses)]  # a second enrolment: another course
        enrolled_at = now - timezone.timedelta(seconds=rng.randrange(two_years))
        fate = rng.random()
        enrolment = Enrolment(
            user=user, course=course, cohort=rng.choice(cohorts[course.pk]),
            enrolled_at=enrolled_at,
        )  # fmt: skip
        if fate < 0.45:
            completed_at = enrolled_at + timezone.timedelta(days=rng.uniform(2, 120))
            if completed_at < now:
                enrolment.status = EnrolmentStatus.COMPLETED
                enrolment.completed_at = completed_at
        elif fate < 0.50:
            enrolment.status = EnrolmentStatus.WITHDRAWN
            enrolment.withdrawn_at = enrolled_at + timezone.timedelta(days=rng.uniform(1, 60))
        enrolments.append(enrolment)
    Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    # auto_now_add ignores the value given: set the dates written above.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_dates (id bigint, enrolled_at timestamptz)")
        with cursor.copy("COPY bench_dates (id, enrolled_at) FROM STDIN") as copy:
            for enrolment in enrolments:
                copy.write_row((enrolment.pk, enrolment.enrolled_at))
        cursor.execute(
            "UPDATE courses_enrolment e SET enrolled_at = d.enrolled_at FROM bench_dates d "
            "WHERE e.id = d.id"
        )
        for statement in _ACTIVITY_SQL:
            cursor.execute(statement)
        # The months of activity, as record_lesson_completion and start_attempt write them.
        rebuild_activity_months()
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: statistics, visibility map
    return admin, courses


# Lessons, attempts and certificates from the enrolments, in SQL (hundreds of thousands of rows).
_ACTIVITY_SQL = [
    # Every lesson of a completed enrolment; about half of the others'.
    """
    INSERT INTO courses_lessoncompletion (user_id, lesson_id, completed_at)
    SELECT e.user_id, l.id, e.enrolled_at + (coalesce(e.completed_at, now()) - e.enrolled_at)
           * (l."order" + 1) / 12.0
    FROM courses_enrolment e JOIN courses_lesson l ON l.course_id = e.course_id
    WHERE e.status = 'completed' OR random() < 0.5
    ON CONFLICT DO NOTHING
    """,
    # A submitted first attempt at most quizzes; a second at a fifth of them.
    """
    INSERT INTO quizzes_attempt (user_id, quiz_id, number, status, started_at, submitted_at,
        layout, answers, results, points, max_points, score, passed)
    SELECT e.user_id, q.id, n, 'submitted', t, t + interval '10 minutes', '[]', '{}', '{}',
           s / 100.0 * 3, 3, s, s >= 70
    FROM courses_enrolment e JOIN quizzes_quiz q ON q.course_id = e.course_id
    CROSS JOIN generate_series(1, 2) AS n
    CROSS JOIN LATERAL (SELECT e.enrolled_at + (random() * 30 + n) * interval '1 day' AS t,
                               round((random() * 60 + 40)::numeric, 2) AS s) AS attempt
    WHERE (n = 1 AND (e.status = 'completed' OR random() < 0.6)) OR (n = 2 AND random() < 0.2)
    ON CONFLICT DO NOTHING
    """,
    # A certificate for each completion, a few revoked.
    """
    INSERT INTO certificates_certificate (enrolment_id, code, status, participant_name,
        course_title, course_language, cohort_name, completed_on, issuing_organisation, pdf,
        pdf_sha256, created_at, issued_at, revoked_at, revoke_reason, attempts,
        needs_attention, last_error)
    SELECT e.id, upper(substr(h, 1, 4) || '-' || substr(h, 5, 4) || '-' || substr(h, 9, 4)
           || '-' || substr(h, 13, 4)),
           CASE WHEN revoked THEN 'revoked' ELSE 'issued' END, u.full_name, c.title,
           'en', '', e.completed_at::date, 'Bench', '', repeat('0', 64), e.completed_at,
           e.completed_at + interval '1 minute',
           CASE WHEN revoked THEN e.completed_at + interval '20 days' END, '', 1, false, ''
    FROM courses_enrolment e JOIN accounts_user u ON u.id = e.user_id
    JOIN courses_course c ON c.id = e.course_id
    CROSS JOIN LATERAL (SELECT md5(e.id::text) AS h, random() < 0.05 AS revoked) AS drawn
    WHERE e.status = 'completed'
      -- not those an earlier scenario of the same run issued (`make bench` runs them all)
      AND NOT EXISTS (SELECT 1 FROM certificates_certificate x WHERE x.enrolment_id = e.id)
    """,
]
