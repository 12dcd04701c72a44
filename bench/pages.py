"""The `pages` scenario: page weights, the bytes a participant's browser receives for the
catalogue, a lesson and a quiz (an attempt of every question type), on a first visit (empty
cache) and a repeat visit, printed beside their budgets (tests/browser/weights.py, where
tests/browser/test_weights.py asserts them). Served by the bench's gunicorn (DEBUG off,
WhiteNoise's compressed, cache-busting static files after collectstatic), read by Debian's
Chromium (/usr/bin/chromium) at a phone's width; the demo course's English package is the
content. `bench/run.py pages` runs only this scenario.
"""

from __future__ import annotations

from pathlib import Path

from bench.data import make_participant
from bench.harness import Bench

CHROMIUM = Path("/usr/bin/chromium")
DEMO = Path(__file__).resolve().parent.parent / "demo" / "procurement-human-rights-foundations"
EMAIL = "participant@pages.bench.example"


def pages(bench: Bench) -> None:
    from django.conf import settings
    from django.urls import reverse

    from courses.models import Course
    from courses.services.enrolment import enrol, ensure_default_cohort
    from courses.services.packages import import_course_package
    from quizzes.models import Quiz
    from quizzes.services import start_attempt
    from tests.browser.weights import format_weights, measure_page_weight

    print("\nPage weights: bytes received (headers and bodies as sent), first and repeat visit")
    if not CHROMIUM.exists():
        print(f"  skipped: no {CHROMIUM} (apt-get install chromium)")
        return
    # Everything from the database first: Playwright's event loop then holds this thread.
    import_course_package(DEMO)
    course = Course.objects.get(slug=DEMO.name)
    participant = make_participant(EMAIL)
    enrol(participant, ensure_default_cohort(course), by_system=True)
    quiz = Quiz.objects.get(course=course, slug="module-3-check")
    attempt, _created = start_attempt(participant, quiz)
    lesson = course.modules.first().lessons.first()
    paths = {
        "catalogue": reverse("home"),
        "lesson": lesson.get_absolute_url(),
        "quiz": reverse("attempt-detail", args=[attempt.pk]),
    }
    cookie = bench.session_headers(participant)["Cookie"].split("=", 1)[1]
    cookies = [
        {"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": bench.server.base_url}
    ]

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            weights = {
                name: measure_page_weight(browser, bench.server.base_url + path, cookies)
                for name, path in paths.items()
            }
        finally:
            browser.close()
    print("\n".join(format_weights(weights)))
