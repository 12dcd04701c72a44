"""The `item-analysis` scenario: a quiz's question analysis over 10,000 submitted attempts.

Data: a quiz of 10 questions of every type (bench.data.add_mixed_quiz) in a course with one
facilitated cohort of 6,000 participants; each has made a first attempt and 4,000 a second:
10,000 submitted attempts, laid out and graded by quizzes.grading as the engine does (choices
shuffled, matching options with opaque ids), from answers that are right with a chance that
rises with the participant's ability and falls with the question's difficulty, so that scores,
facility and discrimination spread as in a real cohort. Rows are written with bulk_create.

Measured, through gunicorn, as the facilitator of the cohort: the time from sending
GET /api/v1/quizzes/{id}/statistics/?cohort=...&attempts=all (token) to its last byte, median
of RUNS requests after a warm-up, against the target of 1 s; the same for first attempts, for
the page (/facilitate/cohorts/{id}/quizzes/{id}/?attempts=all) and for an admin's analysis of
every attempt. In this process, where a request's time goes: reading the rows (one query) and
computing (quizzes.analysis). SQL queries per request for 10,000 attempts and for 100, which
must be equal.
"""

from __future__ import annotations

import math
import random
import statistics
import time

from bench import BenchError
from bench.data import add_mixed_quiz, build_course, bulk_participants
from bench.harness import Bench, http_request
from bench.load import Request

PARTICIPANTS = 6000
SECOND_ATTEMPTS = 4000
SMALL = 100  # attempts at the second quiz, for the query count
RUNS = 7
TARGET_SECONDS = 1.0
SEED = 2026


def item_analysis(bench: Bench) -> None:
    """Server time of the question analysis of a quiz with 10,000 attempts, against 1 s."""
    from django.urls import reverse

    from accounts.services import issue_api_token

    course = build_course(slug="bench-item-analysis", modules=1, lessons_per_module=1)
    module = course.modules.get()
    quiz = add_mixed_quiz(module, slug="analysed", questions=10)
    small = add_mixed_quiz(module, slug="analysed-small", questions=10)
    cohort, facilitator, admin, users = _cohort(course)
    started = time.perf_counter()
    rng = random.Random(SEED)
    attempts = _submitted_attempts(quiz, users, SECOND_ATTEMPTS, rng)
    _submitted_attempts(small, users[:SMALL], 0, rng)
    seeded = time.perf_counter() - started

    api = f"/api/v1/quizzes/{quiz.pk}/statistics/?cohort={cohort.pk}"
    page = reverse("facilitate-quiz-analysis", args=[cohort.pk, quiz.pk])
    token = {"Authorization": f"Token {issue_api_token(facilitator).key}"}
    admin_token = {"Authorization": f"Token {issue_api_token(admin).key}"}
    session = bench.session_headers(facilitator)
    timings = [
        ("API, all attempts", f"{api}&attempts=all", token),
        ("API, first attempts", f"{api}&attempts=first", token),
        ("page, all attempts", f"{page}?attempts=all", session),
        ("API, admin, no cohort", f"/api/v1/quizzes/{quiz.pk}/statistics/?attempts=all",
         admin_token),
    ]  # fmt: skip
    queries = _count_queries(f"{api}&attempts=all", facilitator)
    small_api = f"/api/v1/quizzes/{small.pk}/statistics/?cohort={cohort.pk}&attempts=all"
    queries_small = _count_queries(small_api, facilitator)
    reading, computing = _in_process(facilitator, quiz.pk, cohort.pk)

    print(
        f"\nQuestion analysis: a quiz of 10 questions of every type, {attempts:,} submitted "
        f"attempts by {PARTICIPANTS:,} participants\n  of one cohort ({SECOND_ATTEMPTS:,} made a "
        f"second attempt; seeded in {seeded:.0f} s), as the cohort's facilitator\n"
        f"  GET {api}&attempts=all"
    )
    same = "equal: constant" if queries == queries_small else "NOT EQUAL: grows with attempts"
    print(f"  {'SQL queries per request':<26}{queries:>9}     {queries_small} for {SMALL} "
          f"attempts ({same})")  # fmt: skip
    headline = None
    for label, path, headers in timings:
        seconds = _server_seconds(bench, path, headers)
        headline = headline or seconds
        runs = ", ".join(f"{s * 1000:.0f}" for s in seconds)
        median = statistics.median(seconds)
        print(f"  {label + ' (s)':<26}{median:>9.3f}   (runs, ms: {runs})")
    median = statistics.median(headline)
    ratio = TARGET_SECONDS / median
    verdict = "meets" if ratio >= 1 else "below"
    print(f"  {'ratio target/time':<26}{ratio:>9.2f}   API, all attempts; target >= 1 "
          f"(<= {TARGET_SECONDS:g} s: {verdict})")  # fmt: skip
    print(f"  {'  in process: reading':<26}{reading:>9.3f}   s, queries and the attempts' rows "
          f"(JSON decoded)")  # fmt: skip
    print(f"  {'  in process: computing':<26}{computing:>9.3f}   s, quizzes.analysis over "
          f"those rows")  # fmt: skip


def _cohort(course):
    """A facilitated cohort of PARTICIPANTS participants (rows written directly), its
    facilitator and an admin."""
    from accounts.services import make_facilitator
    from bench.data import make_participant
    from courses.models import Cohort, Enrolment

    cohort = Cohort.objects.create(course=course, name="Bench cohort")
    facilitator = make_participant("facilitator@item-analysis.bench.example")
    make_facilitator(facilitator)
    cohort.facilitators.add(facilitator)
    admin = make_participant("admin@item-analysis.bench.example")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    users = bulk_participants(
        course, first=1, count=PARTICIPANTS, prefix="taker", name="Taker", country="KE"
    )
    Enrolment.objects.bulk_create(
        Enrolment(user=user, cohort=cohort, course=course) for user in users
    )
    return cohort, facilitator, admin, users


def _submitted_attempts(quiz, users, second: int, rng: random.Random) -> int:
    """A graded first attempt for every user and a second for the first `second` of them."""
    from django.utils import timezone

    from quizzes.grading import QuestionData, grade_attempt
    from quizzes.models import Attempt, AttemptStatus

    questions = {
        q.pk: QuestionData.from_model(q)
        for q in quiz.questions.prefetch_related("choices", "pairs").order_by("order", "id")
    }
    difficulty = {pk: rng.uniform(-1.5, 1.5) for pk in questions}
    now = timezone.now()
    rows = []
    for number, takers in ((1, users), (2, users[:second])):
        for user in takers:
            ability = rng.gauss(0.5 * number, 1)
            layout = [_layout_item(q, rng) for q in questions.values()]
            answers = {
                str(item.question): _answer(
                    questions[item.question], item, rng,
                    right=rng.random() < 1 / (1 + math.exp(difficulty[item.question] - ability)),
                )
                for item in layout
            }  # fmt: skip
            grade = grade_attempt(questions, layout, answers, pass_mark=quiz.pass_mark)
            rows.append(
                Attempt(
                    user=user, quiz=quiz, number=number, status=AttemptStatus.SUBMITTED,
                    started_at=now, submitted_at=now, layout=[i.to_json() for i in layout],
                    answers=answers, points=grade.points, max_points=grade.max_points,
                    score=grade.score, passed=grade.passed,
                    results={key: r.to_json() for key, r in grade.results.items()},
                )
            )  # fmt: skip
    Attempt.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _layout_item(question, rng: random.Random):
    from quizzes.grading import LayoutItem, option_texts

    choices = [c.id for c in question.choices]
    if question.type != "true_false":
        rng.shuffle(choices)
    prompts = [p.id for p in question.pairs]
    rng.shuffle(prompts)
    options = [(f"{rng.getrandbits(48):012x}", pair) for pair, _text in option_texts(question)]
    rng.shuffle(options)
    return LayoutItem(
        question=question.id,
        choices=tuple((f"{rng.getrandbits(48):012x}", c) for c in choices),
        prompts=tuple(prompts),
        options=tuple(options),
    )


def _answer(question, item, rng: random.Random, *, right: bool):
    """A stored answer (grading's formats): right, or a plausible wrong one; sometimes none."""
    if not right and rng.random() < 0.05:
        return None
    correct = [c.id for c in question.choices if c.is_correct]
    wrong = [c.id for c in question.choices if not c.is_correct]
    kind = question.type
    if kind in ("single_choice", "true_false"):
        return correct[0] if right else rng.choice(wrong)
    if kind == "multiple_response":
        if right:
            return [c for _opaque, c in item.choices if c in correct]
        picked = set(rng.sample(correct, 1)) | set(rng.sample(wrong, rng.randint(0, len(wrong))))
        return [c for _opaque, c in item.choices if c in picked]
    if kind == "short_answer":
        return "joint procurement" if right else "framework agreement"
    if kind == "numeric":
        return "3.5" if right else str(rng.choice([2, 3, 4, 35]))
    texts = {p.id: p.answer for p in question.pairs}
    token_for_text = {texts[pair]: token for token, pair in item.options}
    tokens = [token_for_text[texts[pair]] for pair in item.prompts]
    if not right:
        rng.shuffle(tokens)
    return {str(pair): token for pair, token in zip(item.prompts, tokens, strict=True)}


def _server_seconds(bench: Bench, path: str, headers: dict[str, str]) -> list[float]:
    """Seconds from sending a GET to its last byte, RUNS times after one warm-up."""
    seconds = []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        status, body = http_request(bench.server.base_url, Request("GET", path, headers))
        elapsed = time.perf_counter() - started
        if status != 200:
            raise BenchError(f"GET {path} returned {status}: {body[:300]!r}")
        if run:
            seconds.append(elapsed)
    return seconds


def _count_queries(path: str, user) -> int:
    """SQL queries for one token-authenticated GET of `path` in this process (after one)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.services import issue_api_token

    client = Client(headers={"Authorization": f"Token {issue_api_token(user).key}"})
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} returned {response.status_code} in process")
    return len(queries)


def _in_process(user, quiz_id: int, cohort_id: int) -> tuple[float, float]:
    """Median seconds, in this process, of get_quiz_statistics' two parts: reading (its queries,
    the rows' JSON decoded) and computing the analysis (quizzes.analysis)."""
    from unittest import mock

    from quizzes import statistics as quiz_statistics

    analyse_quiz = quiz_statistics.analyse_quiz
    reading, computing = [], []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        result = analyse_quiz(*args, **kwargs)
        computing.append(time.perf_counter() - started)
        return result

    with mock.patch.object(quiz_statistics, "analyse_quiz", timed):
        for _ in range(3):
            started = time.perf_counter()
            quiz_statistics.get_quiz_statistics(user, quiz_id, cohort_id=cohort_id, attempts="all")
            reading.append(time.perf_counter() - started - computing[-1])
    return statistics.median(reading), statistics.median(computing)
