"""Offline re-reading in a real browser (docs/offline.md): a participant opens two lessons, loses
the connection, and reads both again; a quiz gives the offline page instead, and signing out
removes the kept lessons. On the folder's live server (http://localhost, a secure context, as
service workers need) and data (conftest.py), as a participant of its own.
"""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.factories import PASSWORD

LESSONS_CACHE = "elearn-lessons"

pytestmark = pytest.mark.usefixtures("db")  # the test database, no transaction (conftest.py)


@pytest.fixture
def offline_page(site, browser):
    """A fresh browser page on the live server, nobody signed in."""
    context = browser.new_context(base_url=site.url)
    yield context.new_page()
    context.close()


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


def wait_for_worker_in_control(page) -> None:
    """Until the service worker controls the page. Asked from here in turns, not with
    wait_for_function: Playwright polls that with the page's eval, which the site's
    Content-Security-Policy rightly refuses (no 'unsafe-eval'), so it failed whenever the
    worker was not in control at the first look."""
    for _turn in range(100):
        if page.evaluate("Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker did not take control of the page")


def sign_in(page, email):
    """Through the sign-in form, as a participant does."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("button:has-text('Sign out')")


def test_two_lessons_opened_are_read_again_offline_and_a_quiz_is_not(site, offline_page):
    page = offline_page
    (first, first_title), (second, second_title), (never, _title) = site.lessons
    sign_in(page, site.journey_users["offline"].email)
    wait_for_worker_in_control(page)
    styled = header_colour(page)
    assert "rgb(11, 79, 108)" in styled  # the brand's colour, from the stylesheet

    bodies = {}
    for url in (first, second):
        page.goto(url)
        bodies[url] = page.locator(".prose").text_content()
    wait_for_kept_lessons(page, 2)
    assert sorted(kept_lessons(page)) == sorted([first, second])
    kept = page.evaluate(
        "async (args) => (await caches.match(args[1], {cacheName: args[0]})).text()",
        [LESSONS_CACHE, first],
    )
    kept_text = page.evaluate(
        "(html) => new DOMParser().parseFromString(html, 'text/html')"
        ".querySelector('.prose').textContent",
        kept,
    )
    assert kept_text == bodies[first]
    for personal in ("Sign out", "csrfmiddlewaretoken", "Mark as complete", "Course outline"):
        assert personal not in kept

    page.context.set_offline(True)
    for url, title in ((first, first_title), (second, second_title)):
        page.goto(url)
        assert page.locator("h1").inner_text() == title
        assert page.locator(".prose").text_content() == bodies[url]
        assert page.locator("[data-offline-note]").is_visible()
        assert page.locator("text=Mark as complete").count() == 0
        assert header_colour(page) == styled  # the stylesheet applies

    page.goto(site.paths["quiz"])
    assert page.locator("h1").inner_text() == "You are offline"
    assert page.locator("form").count() == page.locator("form.language-form").count()
    listed = page.locator("[data-offline-lessons] a")
    listed.first.wait_for()
    assert sorted(listed.all_inner_texts()) == sorted([first_title, second_title])

    page.goto(never)  # never opened: not kept
    assert page.locator("h1").inner_text() == "You are offline"


def test_signing_out_removes_the_kept_lessons(site, offline_page):
    page = offline_page
    first = site.lessons[0][0]
    sign_in(page, site.journey_users["offline"].email)
    wait_for_worker_in_control(page)
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
