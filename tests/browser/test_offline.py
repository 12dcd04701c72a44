"""Offline re-reading in a real browser (docs/offline.md): a participant opens two lessons, loses
the connection, and reads both again; a quiz gives the offline page instead, and signing out
removes the kept lessons.

Self-contained (fixtures prefixed `offline_`): Debian's Chromium driven by Playwright's Python
package, on pytest-django's live server (http://localhost, a secure context, as service workers
need).
"""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, enrol_user, make_course, make_quiz, make_user

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # pragma: no cover - the dev dependencies hold it
    PlaywrightError = Exception

CHROMIUM = Path("/usr/bin/chromium")
LESSONS_CACHE = "elearn-lessons"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="offline browser test skipped: /usr/bin/chromium is missing"
)


@pytest.fixture
def offline_site(live_server, settings):
    """A course of three lessons and a quiz, and a participant enrolled in it, on the live
    server. Built before the browser starts (Playwright's event loop then holds this thread)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    course = make_course(modules=1, lessons_per_module=3, title="Due diligence", slug="diligence")
    quiz = make_quiz(module=course.modules.get(), slug="check", title="Check your understanding")
    participant = make_user(full_name="Amina Diallo")
    enrol_user(participant, course)
    lessons = list(course.modules.get().lessons.order_by("order"))
    return {
        "url": live_server.url.replace("127.0.0.1", "localhost"),
        "email": participant.email,
        "lessons": [(lesson.get_absolute_url(), lesson.title, lesson.body) for lesson in lessons],
        "quiz": reverse("quiz-detail", kwargs={"quiz_id": quiz.pk}),
    }


@pytest.fixture
def offline_page(offline_site):
    """A fresh browser page on the live server, nobody signed in."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # The live server's thread queries the database while Playwright's loop runs here.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = browser.new_context(base_url=offline_site["url"])
        yield context.new_page()
        context.close()
        browser.close()


def kept_lessons(page) -> list[str]:
    return page.evaluate(
        """async (name) => (await caches.has(name))
            ? (await (await caches.open(name)).keys()).map((key) => new URL(key.url).pathname)
            : []""",
        LESSONS_CACHE,
    )


def header_colour(page) -> str:
    """The header's background: the stylesheet applies when it is not the browser's default."""
    return page.evaluate("getComputedStyle(document.querySelector('.site-header')).background")


def wait_for_kept_lessons(page, count: int) -> None:
    """Until the worker has stored `count` lessons: it stores a copy after answering the page
    (wait_for_function does not await a promise, so the cache is asked here, in turns)."""
    for _turn in range(100):
        if len(kept_lessons(page)) == count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the worker kept {kept_lessons(page)}, not {count} lessons")


def sign_in(page, email):
    """Through the sign-in form, as a participant does."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("button:has-text('Sign out')")


def test_two_lessons_opened_are_read_again_offline_and_a_quiz_is_not(offline_site, offline_page):
    page = offline_page
    (first, first_title, first_body), (second, second_title, second_body), _ = offline_site[
        "lessons"
    ]
    sign_in(page, offline_site["email"])
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    styled = header_colour(page)
    assert "rgb(11, 79, 108)" in styled  # the brand's colour, from the stylesheet

    page.goto(first)
    page.goto(second)
    wait_for_kept_lessons(page, 2)
    assert sorted(kept_lessons(page)) == sorted([first, second])
    kept = page.evaluate(
        "async (args) => (await caches.match(args[1], {cacheName: args[0]})).text()",
        [LESSONS_CACHE, first],
    )
    assert first_body in kept
    for personal in ("Sign out", "csrfmiddlewaretoken", "Mark as complete", "Course outline"):
        assert personal not in kept

    page.context.set_offline(True)
    for url, title, body in ((first, first_title, first_body), (second, second_title, second_body)):
        page.goto(url)
        assert page.locator("h1").inner_text() == title
        assert body in page.locator(".prose").inner_text()
        assert page.locator("[data-offline-note]").is_visible()
        assert page.locator("text=Mark as complete").count() == 0
        assert header_colour(page) == styled  # the stylesheet applies

    page.goto(offline_site["quiz"])
    assert page.locator("h1").inner_text() == "You are offline"
    assert page.locator("text=Check your understanding").count() == 0
    listed = page.locator("[data-offline-lessons] a")
    listed.first.wait_for()
    assert sorted(listed.all_inner_texts()) == sorted([first_title, second_title])

    page.goto(offline_site["lessons"][2][0])  # never opened: not kept
    assert page.locator("h1").inner_text() == "You are offline"


def test_signing_out_removes_the_kept_lessons(offline_site, offline_page):
    page = offline_page
    first = offline_site["lessons"][0][0]
    sign_in(page, offline_site["email"])
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    page.goto(first)
    wait_for_kept_lessons(page, 1)

    page.click("button:has-text('Sign out')")
    page.wait_for_selector("a:has-text('Sign in')")

    assert kept_lessons(page) == []
    page.context.set_offline(True)
    try:
        page.goto(first)
    except PlaywrightError:
        pass  # no worker yet on the page signed out: the browser's own offline error
    else:
        assert page.locator("h1").inner_text() == "You are offline"
