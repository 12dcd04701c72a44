"""Scenarios: each takes the Bench, builds its data, measures and prints its figures."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bench import BenchError
from bench.certificates import certificates, profile_certificates
from bench.dashboard import dashboard, profile_dashboard
from bench.data import (
    PARTICIPANT_EMAIL,
    QuizTaker,
    build_course,
    build_quiz_course,
    enrol_participants,
    enrol_with_progress,
    lesson_in_the_middle,
    make_participant,
)
from bench.harness import (
    Bench,
    ListSource,
    count_api_queries,
    count_queries,
    http_request,
    print_comparison,
)
from bench.item_analysis import item_analysis
from bench.load import Request, RequestList


def lesson_page(bench: Bench) -> None:
    """Lesson page of a 5x4 course against the reference; queries for a 5x larger course. In
    the same alternation, each against a reference of its own size: the page with its query
    planned on every request (bench/views.py lesson_unprepared), and the page by its plain path
    (bench/views.py lesson_by_orm: ORM queries and the outline's template)."""
    from django.urls import reverse

    modules, lessons_per_module = 5, 4
    course = build_course(
        slug="bench-course", modules=modules, lessons_per_module=lessons_per_module
    )
    larger = build_course(
        slug="bench-course-5x", modules=5 * modules, lessons_per_module=lessons_per_module
    )
    participant = make_participant(PARTICIPANT_EMAIL)
    # An enrolled participant part-way through: the page shows their progress.
    for each in (course, larger):
        enrol_with_progress(participant, each, lessons_done=6)
    headers = bench.session_headers(participant)

    lesson = lesson_in_the_middle(course)
    page = bench.target("lesson", lesson.get_absolute_url(), headers)
    reference = bench.size_matched_reference(
        lesson_id=lesson.pk, size=page.body_size, headers=headers
    )
    plain_path = reverse("bench-lesson-by-orm", args=[course.slug, lesson.slug])
    plain = bench.target("plain", plain_path, headers)
    plain_reference = bench.size_matched_reference(
        lesson_id=lesson.pk, size=plain.body_size, headers=headers
    )
    queries = count_queries(page.path, participant)
    queries_larger = count_queries(lesson_in_the_middle(larger).get_absolute_url(), participant)
    unprepared_path = reverse("bench-lesson-unprepared", args=[course.slug, lesson.slug])
    unprepared = bench.target("unprepared", unprepared_path, headers)
    unprepared_reference = bench.size_matched_reference(
        lesson_id=lesson.pk, size=unprepared.body_size, headers=headers
    )
    plain_queries = count_queries(plain.path, participant)
    reference_queries = count_queries(reference.path, participant)

    print(
        f"\nLesson page: course of {modules} modules x {lessons_per_module} lessons "
        f"(~1,500 words each), one quiz per module; the participant is enrolled and has done "
        f"6 lessons\n  GET {page.path}; unprepared GET {unprepared.path}; plain path GET "
        f"{plain.path}"
    )
    print(f"  {'response size':<26}{page.body_size:>9,} B   reference {reference.body_size:,} B")
    same = "equal: constant" if queries == queries_larger else "NOT EQUAL: grows with the course"
    print(
        f"  {'SQL queries per page':<26}{queries:>9}     "
        f"{queries_larger} for a course 5x larger ({same}); plain path {plain_queries}; "
        f"reference {reference_queries}"
    )
    fast, planned, slow = bench.compare_pairs(
        [(page, reference), (unprepared, unprepared_reference), (plain, plain_reference)]
    )
    print_comparison("lesson", fast, target_ratio=0.8)
    print_comparison("unprepared", planned, target_ratio=0.8)
    print_comparison("plain", slow, target_ratio=0.8)
    print(f"  {'lesson/unprepared':<26}{fast.page_rps / planned.page_rps:>9.2f}")
    print(f"  {'lesson/plain':<26}{fast.page_rps / slow.page_rps:>9.2f}")


# Every good submission response: graded, passed, with its review.
SUBMITTED = '"passed":true,"review":[{'
# How many participants the reference's writes go round (their latest attempts).
PARTICIPANTS = 200


def _api_request(path: str, token: str) -> Request:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    return Request("POST", path, headers, "{}")


def _submit_path(attempt_id: int) -> str:
    from django.urls import reverse

    return reverse("api-attempt-submit", args=[attempt_id])


class Submissions:
    """Participants of a quiz, each with an attempt in progress and every answer saved, and
    lists of requests that submit them (POST /api/v1/attempts/{id}/submit/, once each).

    A list of n uses the first n participants (more are enrolled when needed), each with a new
    attempt, so every request is exactly one first submission.
    """

    def __init__(self, quiz):
        self.quiz = quiz
        self.taker = QuizTaker(quiz)
        self.participants: list[tuple[object, str]] = []
        self.ready: dict[int, int] = {}  # user id: attempt prepared and not yet sent
        self.latest: dict[int, int] = {}  # user id: their latest attempt
        self.sent: list[int] = []  # attempts of the last list

    def enrol(self, count: int) -> None:
        """At least `count` participants, each with an attempt ready."""
        missing = count - len(self.participants)
        if missing > 0:
            self.participants += enrol_participants(
                self.quiz.course, first=len(self.participants) + 1, count=missing
            )
        for user, _token in self.participants[:count]:
            if user.pk not in self.ready:
                attempt = self.taker.prepare(user)
                self.ready[user.pk] = self.latest[user.pk] = attempt.pk

    def submissions(self, count: int) -> RequestList:
        self.enrol(count)
        self.sent = [self.ready.pop(user.pk) for user, _token in self.participants[:count]]
        tokens = [token for _user, token in self.participants[:count]]
        requests = tuple(
            _api_request(_submit_path(attempt), token)
            for attempt, token in zip(self.sent, tokens, strict=True)
        )
        return RequestList("quiz-submit", requests, SUBMITTED)

    def check_all_graded(self, batch: RequestList) -> None:
        """Every attempt of the list is graded, also those whose responses were not counted
        (in flight when the list ran out): gunicorn may still be finishing them."""
        from quizzes.models import Attempt, AttemptStatus

        deadline = time.monotonic() + 30
        while True:
            left = Attempt.objects.filter(pk__in=self.sent, status=AttemptStatus.IN_PROGRESS)
            left = list(left.values_list("pk", flat=True))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if left:
            raise BenchError(
                f"{batch.label}: {len(left)} of {len(self.sent)} attempts sent were not graded "
                f"(e.g. attempt {left[0]})"
            )

    def writes(self, count: int, *, pad: int = 0) -> RequestList:
        """Requests to the write reference, going round the first PARTICIPANTS participants,
        each on their latest attempt (whether in progress or submitted)."""
        from django.urls import reverse

        self.enrol(PARTICIPANTS)
        requests = []
        for i in range(count):
            user, token = self.participants[i % PARTICIPANTS]
            path = reverse("bench-write-reference", args=[self.latest[user.pk]])
            requests.append(_api_request(f"{path}?pad={pad}", token))
        return RequestList("reference", tuple(requests), '"padding":"')


def _queries_per_submission(quiz) -> tuple[int, int, bytes]:
    """(queries, questions, response body) of one submission in process, after a first one."""
    taker = QuizTaker(quiz)
    [(user, token)] = enrol_participants(quiz.course, first=0, count=1)
    for _ in range(2):  # the first warms up, the second is counted
        attempt = taker.prepare(user)
        queries, body = count_api_queries(_submit_path(attempt.pk), token)
    if SUBMITTED.encode() not in body:
        raise BenchError(f"an in-process submission was not graded as a pass: {body[:300]!r}")
    return queries, quiz.questions.count(), body


def _size_matched_writes(bench: Bench, submissions: Submissions, size: int) -> int:
    """The padding that makes the write reference's body `size` bytes."""
    pad = 0
    for _ in range(5):
        [request] = submissions.writes(1, pad=pad).requests
        status, body = http_request(bench.server.base_url, request)
        if status != 200:
            raise BenchError(f"POST {request.path} returned {status}: {body[:300]!r}")
        if len(body) == size:
            return pad
        pad += size - len(body)
        if pad < 0:
            raise BenchError(f"the write reference's body ({len(body)} B) is larger than {size} B")
    raise BenchError(f"could not pad the write reference's body to {size} B")


def quiz_submit(bench: Bench) -> None:
    """Submissions of a 10-question quiz against the write reference; queries per submission
    for 10 and for 30 questions, which must be equal."""
    quiz = build_quiz_course(slug="bench-quiz", questions=10)
    larger = build_quiz_course(slug="bench-quiz-30", questions=30)
    queries, questions, _body = _queries_per_submission(quiz)
    queries_larger, questions_larger, _body = _queries_per_submission(larger)

    submissions = Submissions(quiz)
    submissions.enrol(PARTICIPANTS)
    # One submission through gunicorn gives the size the reference is padded to.
    [sample] = submissions.submissions(1).requests
    status, body = http_request(bench.server.base_url, sample)
    if status != 200 or SUBMITTED.encode() not in body:
        raise BenchError(f"POST {sample.path} returned {status}: {body[:300]!r}")
    pad = _size_matched_writes(bench, submissions, len(body))
    [write] = submissions.writes(1, pad=pad).requests
    _user, token = submissions.participants[0]
    for _ in range(2):  # the first warms up, the second is counted
        reference_queries, _body = count_api_queries(write.path, token)

    print(
        f"\nQuiz submission: {questions} questions of every type, answers saved beforehand; "
        "graded, a pass (the course\ncompletion check runs, the course is not completed), "
        "the review returned\n"
        "  POST /api/v1/attempts/{id}/submit/ with a token and the body {}, each attempt once"
    )
    print(f"  {'response size':<26}{len(body):>9,} B   reference {len(body):,} B")
    same = "equal: constant" if queries == queries_larger else "NOT EQUAL: grows with questions"
    print(
        f"  {'SQL queries per submission':<26}{queries:>9}     {queries_larger} for "
        f"{questions_larger} questions ({same}); reference {reference_queries}"
    )
    comparison = bench.compare_lists(
        ListSource(submissions.submissions, submissions.check_all_graded),
        ListSource(lambda count: submissions.writes(count, pad=pad)),
    )
    print_comparison("submit", comparison, target_ratio=SUBMIT_TARGET)
    print(
        f"  {'submissions measured':<26}{comparison.page_requests:>9,}     by "
        f"{len(submissions.participants):,} participants; mean response "
        f"{comparison.page_body_size:,.0f} B, reference {comparison.reference_body_size:,.0f} B"
    )
    if comparison.ratio < SUBMIT_TARGET:
        print(
            "  `bench/run.py quiz-submit --profile quiz-submit` shows where a submission's time "
            "goes"
        )


# Issue 10: a submission should cost at most twice an authenticated write of the same size.
SUBMIT_TARGET = 0.5


def profile_submissions(count: int = 200) -> None:
    """cProfile of `count` in-process submissions of a 10-question quiz (after five that are not
    profiled): the project's functions by cumulative time."""
    import cProfile
    import pstats

    from django.test import Client

    quiz = build_quiz_course(slug="bench-quiz-profile", questions=10)
    taker = QuizTaker(quiz)
    people = enrol_participants(quiz.course, first=1, count=count + 5)
    attempts = [(taker.prepare(user).pk, token) for user, token in people]
    client = Client()

    def submit(attempt: int, token: str) -> None:
        headers = {"Authorization": f"Token {token}"}
        path = _submit_path(attempt)
        response = client.post(path, "{}", content_type="application/json", headers=headers)
        if response.status_code != 200:
            raise BenchError(f"an in-process submission returned {response.status_code}")

    for attempt, token in attempts[:5]:
        submit(attempt, token)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for attempt, token in attempts[5:]:
        submit(attempt, token)
    profiler.disable()
    each = (time.perf_counter() - started) / count * 1000
    print(f"\nProfile of {count} in-process submissions ({each:.1f} ms each, profiled):")
    # The project's own functions (and Markdown's entry point): the chain of middleware and
    # test client calls above them says nothing.
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(r"/(quizzes|courses|accounts|elearn)/|markdown/core.py:\d+\(markdown\)", 25)


SCENARIOS: dict[str, Callable[[Bench], None]] = {
    "lesson-page": lesson_page,
    "quiz-submit": quiz_submit,
    "certificates": certificates,
    "item-analysis": item_analysis,
    "dashboard": dashboard,
}
# In-process profiles for --profile, besides a page's path.
PROFILES: dict[str, Callable[[], None]] = {
    "quiz-submit": profile_submissions,
    "certificates": profile_certificates,
    "dashboard": profile_dashboard,
}
