"""Every page type, as each role sees it, in English and Arabic: no WCAG 2.1 A/AA or 2.2 AA
violation found by axe-core, nothing requested from another host, and no sideways scrolling on
a 360 px wide phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import LANGUAGES

pytestmark = pytest.mark.usefixtures("db")  # the test database, no transaction (conftest.py)

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}

# The pages each role is shown (names of site.paths): the catalogue and a course for everyone,
# with the header of each role.
PAGES = {
    "anonymous": [
        "catalogue", "course", "sign-up", "sign-in", "password reset", "verify",
        "verify result", "credential check", "api docs", "privacy", "offline",
    ],
    "participant": [
        "catalogue", "course", "lesson", "quiz", "attempt", "timed attempt", "review",
        "my learning", "profile", "api docs", "leave course", "delete account", "privacy",
    ],
    "facilitator": [
        "catalogue", "cohorts", "dashboard", "participant", "messages", "new message", "message",
        "enrol", "enrol preview", "cohort quizzes", "quiz analysis", "certificates",
        "platform courses",
    ],
    "admin": [
        "catalogue", "course", "dashboard", "quiz analysis, all cohorts", "statistics",
        "funder report", "exports",
    ],
}  # fmt: skip


def _cases():
    for role, pages in PAGES.items():
        for page in pages:
            for language in LANGUAGES:
                yield pytest.param(role, page, language, id=f"{role}-{page}-{language}")


# Elements reaching past the screen's edges outside any box that scrolls or clips them: in a
# right-to-left page, what overflows to the right is cut off without making the page wider.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const cut = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || (box.left > -1 && box.right < width + 1)) continue;
    let parent = el.parentElement, held = getComputedStyle(el).position === "fixed";
    for (; parent && !held && parent !== document.body; parent = parent.parentElement) {
      held = getComputedStyle(parent).overflowX !== "visible";
    }
    if (!held) cut.push(el.outerHTML.slice(0, 80));
  }
  return cut.slice(0, 5);
}"""


def _open(site, browser, role, page_name, language, width):
    context = site.context(browser, role=role, language=language, width=width)
    page = context.new_page()
    response = page.goto(site.url + site.paths[page_name])
    assert response.ok, f"{page_name}: {response.status}"
    # The API docs are in English whatever the language (Swagger UI is not translated).
    expected = "en" if page_name == "api docs" else language
    if page_name == "api docs":  # Swagger UI draws the page once it has fetched the schema
        page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator("html").get_attribute("lang") == expected
    return context, page


@pytest.mark.parametrize(("role", "page_name", "language"), list(_cases()))
def test_page_has_no_accessibility_violation(site, browser, role, page_name, language):
    context, page = _open(site, browser, role, page_name, language, 1280)
    if page_name == "api docs":  # an operation opened, ready to try, as well
        page.click("#operations-v1-v1_attempts_partial_update .opblock-summary-control")
        page.click("#operations-v1-v1_attempts_partial_update .try-out__btn")
        page.wait_for_selector("#operations-v1-v1_attempts_partial_update textarea")
        # The pointer away, transitions over: Swagger UI grows a copy button under the pointer.
        page.mouse.move(0, 0)
        page.evaluate("() => Promise.all(document.getAnimations().map((a) => a.finished))")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    assert site.foreign_requests(context) == []
    context.close()


@pytest.mark.parametrize(("role", "page_name", "language"), list(_cases()))
def test_page_fits_a_360px_screen(site, browser, role, page_name, language):
    context, page = _open(site, browser, role, page_name, language, 360)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page_name} is {widths[0]} px wide on a 360 px screen"
    assert page.evaluate(CUT_OFF) == [], f"{page_name}: cut off at 360 px"
    assert site.foreign_requests(context) == []
    context.close()


@pytest.mark.parametrize(
    ("page_name", "table"),
    [("participant", "modules-heading"), ("certificates", "batches-heading")],
)
def test_tables_of_facilitators_pages_stack_on_a_phone(site, browser, page_name, table):
    # A participant's modules (progress, due date, extension form) and a cohort's recent work on
    # its certificates (status, progress, the ZIP): at 360 px each row is a block of its own,
    # not columns to scroll sideways to.
    context, page = _open(site, browser, "facilitator", page_name, "en", 360)
    width = page.evaluate("() => document.documentElement.clientWidth")
    cells = page.locator(f"[aria-labelledby='{table}'] td")
    rights = cells.evaluate_all("(all) => all.map((cell) => cell.getBoundingClientRect().right)")
    assert rights and max(rights) <= width
    context.close()
