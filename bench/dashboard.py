"""The `dashboard` scenario: server time of the cohort dashboard for a cohort of 1,000
participants, against a target of 150 ms.

Data, written in bulk (bulk_create; one UPDATE for the enrolment dates): a course of the demo
course's shape (5 modules of 4, 4, 3, 4 and 3 lessons, a 5-question quiz closing each), and one
facilitated cohort three weeks in, with due dates (two passed) and 1,000 participants from 20
countries at every stage: about 8% not started, 72% part-way (lessons done in order, the next
one opened, each finished module's quiz tried once to three times, sometimes an attempt left
in progress; 10% of all behind the due dates, and one in eight idle for more than the cohort's
7 days), 20% completed with a certificate, and a few with a due date extended: about 30% at
risk. 50 more enrolled and withdrew (not on the dashboard).

Measured, through gunicorn, as the cohort's facilitator: the time from sending a GET to its
last byte, median of RUNS requests after a first one not counted (which builds and caches the
course outline), for the page (/facilitate/cohorts/{id}/), the page of those at risk sorted by
activity, and the API (/api/v1/cohorts/{id}/progress/, token); the SQL queries of one request;
and, in this process, how much of it is `get_cohort_progress` (its queries and the rows built
from them). `bench/run.py dashboard --profile dashboard` adds a cProfile of in-process page
requests and the plans (EXPLAIN ANALYZE) of the dashboard's queries.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta

from bench import BenchError
from bench.harness import Bench, count_queries, http_request
from bench.load import Request

PARTICIPANTS = 1000  # on the dashboard
WITHDRAWN = 50  # enrolled in the cohort too, then withdrew: not on the dashboard
LESSONS_PER_MODULE = (4, 4, 3, 4, 3)  # 18 lessons; the demo course has 3, 4, 3, 4 and 2
QUESTIONS = 5
DAYS_IN = 21  # the cohort started this many days ago
DUE_IN_DAYS = (-14, -7, 0, 7, 14)  # each module's due date, from today
RUNS = 9
TARGET_MS = 150
SEED = 1000
SLUG = "bench-dashboard"
FACILITATOR_EMAIL = "facilitator@dashboard.bench.example"

COUNTRIES = (
    "KE", "NG", "SN", "GH", "ZA", "MA", "PE", "CO", "MX", "BR",
    "FR", "ES", "GB", "PL", "IN", "BD", "PH", "VN", "JO", "LB",
)  # fmt: skip
ORGANISATION_TYPES = (
    "procurement_agency", "ministry", "nhri", "ngo", "academic", "business", "international",
    "other", "",
)  # fmt: skip
FIRST_NAMES = ("Amina", "José", "Nguyễn", "Fatou", "Łukasz", "Wanjiru", "Sofía", "Rahul",
               "Layla", "Chidi", "Marie", "Tomás", "Aisha", "Kwame", "Ana", "Dmytro")  # fmt: skip
LAST_NAMES = ("Sarr", "Núñez", "Okafor", "Kamau", "Haddad", "Dubois", "García", "Mensah",
              "Rahman", "Silva", "Kowalski", "Tran", "Ndiaye", "Reyes", "Banerjee",
              "Moreau")  # fmt: skip


def dashboard(bench: Bench) -> None:
    """The cohort dashboard of 1,000 participants against the 150 ms target."""
    from django.urls import reverse

    from accounts.services import issue_api_token

    started = time.perf_counter()
    cohort, facilitator, counts = seed()
    seeded = time.perf_counter() - started

    page = reverse("facilitate-cohort", args=[cohort.pk])
    api = f"/api/v1/cohorts/{cohort.pk}/progress/"
    session = bench.session_headers(facilitator)
    token = {"Authorization": f"Token {issue_api_token(facilitator).key}"}
    bench.fetch(page, session)  # rendered for the facilitator, signed in
    timings = [
        ("page", page, session),
        ("page, at risk by activity", f"{page}?state=at_risk&sort=activity&order=asc", session),
        ("API progress (50 a page)", api, token),
    ]
    print(
        f"\nCohort dashboard: one cohort of {counts['current']:,} participants in a course of "
        f"{len(LESSONS_PER_MODULE)} modules, {sum(LESSONS_PER_MODULE)} lessons, "
        f"{len(LESSONS_PER_MODULE)} quizzes\n  {counts['completed']} completed, "
        f"{counts['not_started']} not started, {counts['at_risk']} at risk ({counts['withdrawn']} "
        f"more withdrew); {counts['completions']:,} lessons done, {counts['attempts']:,} "
        f"attempts\n  server time as its facilitator, median of {RUNS} requests through "
        f"gunicorn after one; seeded in {seeded:.1f} s\n  GET {page}"
    )
    headline = None
    for label, path, headers in timings:
        times = _milliseconds(bench, path, headers)
        median = statistics.median(times)
        headline = headline if headline is not None else median
        runs = ", ".join(f"{t:.0f}" for t in times)
        print(f"  {label + ' (ms)':<30}{median:>7.0f}   (runs: {runs})")
    ratio = TARGET_MS / headline
    verdict = "meets" if ratio >= 1 else "BELOW"
    print(f"  {'ratio target/time':<30}{ratio:>7.2f}   the page; target >= 1 (<= {TARGET_MS} ms: "
          f"{verdict})")  # fmt: skip
    queries = count_queries(page, facilitator)
    api_queries = count_queries(api, facilitator)
    print(f"  {'SQL queries per request':<30}{queries:>7}   page; API {api_queries}")
    reading, database, rows = _in_process(cohort)
    print(f"  {'  in process: progress (ms)':<30}{reading:>7.0f}   get_cohort_progress: "
          f"{rows:,} rows, {database:.0f} ms of it in the database")  # fmt: skip


def _milliseconds(bench: Bench, path: str, headers: dict[str, str]) -> list[float]:
    """Milliseconds from sending a GET to its last byte, RUNS times after one not counted."""
    times = []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        status, body = http_request(bench.server.base_url, Request("GET", path, headers))
        elapsed = time.perf_counter() - started
        if status != 200:
            raise BenchError(f"GET {path} returned {status}: {body[:300]!r}")
        if run:
            times.append(elapsed * 1000)
    return times


def _in_process(cohort) -> tuple[float, float, int]:
    """Median milliseconds of get_cohort_progress in this process (after one), the part of it
    spent in the database, and the rows its queries returned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.dashboard import get_cohort_progress

    get_cohort_progress(cohort)
    totals, databases = [], []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            progress = get_cohort_progress(cohort)
            totals.append((time.perf_counter() - started) * 1000)
        databases.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return statistics.median(totals), statistics.median(databases), len(progress.rows)


def seed():
    """The course, the cohort, its facilitator and PARTICIPANTS participants at every stage
    (see the module's docstring). Returns (cohort, facilitator, counts)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import make_facilitator
    from bench.data import make_participant
    from certificates.models import Certificate, CertificateStatus
    from courses.models import (
        Cohort,
        DueDateExtension,
        Enrolment,
        EnrolmentStatus,
        LessonCompletion,
        LessonVisit,
        ModuleDueDate,
    )
    from quizzes.models import Attempt

    rng = random.Random(SEED)
    course = _course()
    modules = list(course.modules.order_by("order"))
    lessons = list(course.lessons.order_by("module__order", "order"))
    quizzes = {q.module_id: q for q in course.quizzes.all()}
    module_ends = [sum(LESSONS_PER_MODULE[: i + 1]) for i in range(len(LESSONS_PER_MODULE))]
    now = timezone.now()
    today = timezone.localdate(now)
    cohort = Cohort.objects.create(
        course=course, name="Spring intake", starts_on=today - timedelta(days=DAYS_IN)
    )
    facilitator = make_participant(FACILITATOR_EMAIL)
    make_facilitator(facilitator)
    cohort.facilitators.add(facilitator)
    ModuleDueDate.objects.bulk_create(
        ModuleDueDate(cohort=cohort, module=module, due_on=today + timedelta(days=days))
        for module, days in zip(modules, DUE_IN_DAYS, strict=True)
    )

    people = []
    for n in range(PARTICIPANTS + WITHDRAWN):
        user = User(
            email=f"p{n:04d}@dashboard.bench.example",
            full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n:04d}",
            country=rng.choice(COUNTRIES), organisation_type=rng.choice(ORGANISATION_TYPES),
        )  # fmt: skip
        user.set_unusable_password()
        people.append(user)
    people = User.objects.bulk_create(people, batch_size=1000)

    started_at = now - timedelta(days=DAYS_IN)
    enrolments, completions, visits, attempts, done_users = [], [], [], [], []
    counts = dict.fromkeys(("not_started", "completed", "withdrawn", "at_risk"), 0)
    on_pace = module_ends[1]  # the first two modules were due
    for n, user in enumerate(people):
        fate = rng.random()
        withdrawn = n >= PARTICIPANTS
        if fate < 0.08 and not withdrawn:  # nothing done since enrolling three weeks ago
            enrolments.append(Enrolment(user=user, cohort=cohort, course=course))
            counts["not_started"] += 1
            continue
        if fate < 0.28:
            done = len(lessons)
        elif fate < 0.38:  # behind the due dates
            done = rng.randint(1, on_pace - 1)
        else:
            done = rng.randint(on_pace, len(lessons) - 1)
        # Lessons done in order over the three weeks, the last one `idle` days ago.
        idle = rng.choice((0, 1, 2, 3, 5)) if rng.random() < 0.88 else rng.randint(8, 20)
        last = now - timedelta(days=idle, minutes=rng.randint(0, 600))
        step = (last - started_at) / (done + 1)
        for i, lesson in enumerate(lessons[:done]):
            at = started_at + step * (i + 1)
            completions.append(LessonCompletion(user=user, lesson=lesson, completed_at=at))
            visits.append(LessonVisit(user=user, lesson=lesson, first_visited_at=at,
                                      last_visited_at=at, visits=rng.randint(1, 3)))  # fmt: skip
        if done < len(lessons):  # the next lesson opened, not completed
            visits.append(LessonVisit(user=user, lesson=lessons[done], first_visited_at=last,
                                      last_visited_at=last))  # fmt: skip
        passed_all = True
        for module, end in zip(modules, module_ends, strict=True):
            if done >= end:  # its lessons done: its quiz tried
                passed = _attempts(
                    attempts, user, quizzes[module.pk], last, rng, pass_now=done == len(lessons)
                )
                passed_all = passed_all and passed
        status = EnrolmentStatus.ACTIVE
        completed_at = withdrawn_at = None
        if withdrawn:
            status, withdrawn_at = EnrolmentStatus.WITHDRAWN, last
            counts["withdrawn"] += 1
        elif done == len(lessons) and passed_all:
            status, completed_at = EnrolmentStatus.COMPLETED, last
            counts["completed"] += 1
            done_users.append(user)
        enrolments.append(
            Enrolment(
                user=user, cohort=cohort, course=course, status=status, last_activity_at=last,
                completed_at=completed_at, withdrawn_at=withdrawn_at, last_lesson=lessons[done - 1],
            )
        )  # fmt: skip
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    LessonCompletion.objects.bulk_create(completions, batch_size=5000)
    LessonVisit.objects.bulk_create(visits, batch_size=5000)
    Attempt.objects.bulk_create(attempts, batch_size=5000)
    # Enrolled when the cohort started (auto_now_add ignores the value given).
    Enrolment.objects.filter(cohort=cohort).update(enrolled_at=started_at)
    by_user = {e.user_id: e for e in enrolments}
    certificates = []
    for n, user in enumerate(done_users):
        completed_on = by_user[user.pk].completed_at
        certificates.append(
            Certificate(
                enrolment=by_user[user.pk], code=f"DASH-{n // 10000:04d}-{n % 10000:04d}-BNCH",
                status=CertificateStatus.ISSUED, participant_name=user.full_name,
                course_title=course.title, course_language="en", cohort_name=cohort.name,
                completed_on=completed_on.date(), issuing_organisation="Bench",
                pdf_sha256="0" * 64, issued_at=completed_on,
            )
        )  # fmt: skip
    Certificate.objects.bulk_create(certificates)
    # A few active participants have a due date of their own for the first module.
    behind = [e for e in enrolments if e.status == EnrolmentStatus.ACTIVE][:25]
    extended = today + timedelta(days=7)
    DueDateExtension.objects.bulk_create(
        DueDateExtension(enrolment=e, module=modules[0], due_on=extended, granted_by=facilitator)
        for e in behind
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: statistics, visibility map

    from courses.dashboard import get_cohort_progress

    progress = get_cohort_progress(cohort)
    counts.update(
        current=len(progress.rows),
        at_risk=progress.at_risk_count,
        completions=len(completions),
        attempts=len(attempts),
    )
    if progress.completed_count != counts["completed"] or counts["current"] != PARTICIPANTS:
        raise BenchError("the seeded cohort does not read back as seeded")
    return cohort, facilitator, counts


def _course():
    """A published course of LESSONS_PER_MODULE lessons per module, then a quiz in each."""
    from bench.data import build_course
    from courses.models import Lesson

    course = build_course(
        slug=SLUG, modules=len(LESSONS_PER_MODULE), lessons_per_module=max(LESSONS_PER_MODULE),
        questions=QUESTIONS,
    )  # fmt: skip
    for module, count in zip(course.modules.order_by("order"), LESSONS_PER_MODULE, strict=True):
        Lesson.objects.filter(module=module, order__gt=count).delete()
    return course


def _attempts(rows: list, user, quiz, last, rng: random.Random, *, pass_now: bool) -> bool:
    """One to three submitted attempts at the quiz (the last a pass, mostly); sometimes one
    left in progress after failing. Whether the quiz was passed."""
    from quizzes.models import Attempt, AttemptStatus

    tries = rng.choice((1, 1, 1, 2, 2, 3))
    passed = pass_now or rng.random() < 0.95
    for number in range(1, tries + 1):
        final = number == tries
        score = rng.randint(70, 100) if final and passed else rng.randint(20, 69)
        at = last - timedelta(hours=tries - number + 1)
        rows.append(
            Attempt(
                user=user, quiz=quiz, number=number, status=AttemptStatus.SUBMITTED,
                started_at=at, submitted_at=at + timedelta(minutes=8), score=score,
                points=score * QUESTIONS / 100, max_points=QUESTIONS, passed=score >= 70,
            )
        )  # fmt: skip
    if not passed and rng.random() < 0.3:
        rows.append(Attempt(user=user, quiz=quiz, number=tries + 1, started_at=last))
    return passed


def profile_dashboard(requests: int = 20) -> None:
    """cProfile of `requests` in-process GETs of the dashboard page (after one), the project's
    functions by cumulative time; then the plan of each of get_cohort_progress's queries."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from courses.dashboard import get_cohort_progress
    from courses.models import Cohort

    cohort = Cohort.objects.select_related("course").filter(course__slug=SLUG).first()
    if cohort is None:
        cohort, _facilitator, _counts = seed()
    client = Client()
    client.force_login(User.objects.get(email=FACILITATOR_EMAIL))
    path = reverse("facilitate-cohort", args=[cohort.pk])
    client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        response = client.get(path)
    profiler.disable()
    if response.status_code != 200:
        raise BenchError(f"GET {path} returned {response.status_code} in process")
    each = (time.perf_counter() - started) / requests * 1000
    print(f"\nProfile of {requests} in-process GETs of {path} ({each:.0f} ms each, profiled):")
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(r"/(courses|reports|accounts|elearn)/|django/template/base.py", 30)

    with CaptureQueriesContext(connection) as captured:
        get_cohort_progress(cohort)
    print("Plans of get_cohort_progress's queries (EXPLAIN ANALYZE):")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {query['sql']}")
            plan = [line for (line,) in cursor.fetchall()]
            print(f"\n  {query['sql'][:160]}...")
            for line in plan:
                print(f"    {line}")
