"""From sign-in to a submitted quiz of every question type: by keyboard alone, each focus stop
visible and uncovered, and again with JavaScript off."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("db")  # the test database, no transaction (conftest.py)

# What the focused element looks like, what it would look like unfocused (blurred, then focused
# again as the keyboard had it), and whether anything covers its centre, once the page has
# stopped scrolling to it (site.css scrolls smoothly).
FOCUS_STOP = """async () => {
  const el = document.activeElement;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  let last = null;
  for (let i = 0; i < 120; i++) {
    await frame();
    const now = el.getBoundingClientRect().top + "," + scrollY;
    if (now === last) break;
    last = now;
  }
  const look = () => {
    const style = getComputedStyle(el);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" ");
  };
  const focused = look();
  const visible = el.matches(":focus-visible");
  el.blur();
  const unfocused = look();
  el.focus();
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {
    element: el.outerHTML.slice(0, 120),
    visible: visible && focused !== unfocused,
    // within a pixel: the browser scrolls to fractional positions
    inViewport: box.top > -1 && box.left > -1
      && box.bottom < innerHeight + 1 && box.right < innerWidth + 1,
    covered: !(hit && (hit === el || el.contains(hit))),
    covering: (hit ? hit.outerHTML.slice(0, 60) : "nothing")
      + ` at ${Math.round(box.top)}-${Math.round(box.bottom)} of ${innerHeight}`,
  };
}"""


def _tab(page, problems, key="Tab"):
    """Press Tab (or Shift+Tab); note the stop if its focus is not visible or is covered."""
    page.keyboard.press(key)
    stop = page.evaluate(FOCUS_STOP)
    if not stop["visible"]:
        problems.append(f"no visible focus: {stop['element']}")
    if not stop["inViewport"] or stop["covered"]:
        problems.append(f"covered or off screen: {stop['element']} (under {stop['covering']})")
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',"
        " value: el.value || '', text: el.textContent.trim()}; }"
    )


def _tab_to(page, problems, wanted, *, act=None, key="Tab", limit=300):
    """Tab until `wanted(element)`, letting `act(element)` answer what it passes on the way;
    returns the number of presses."""
    seen = []
    for presses in range(1, limit + 1):
        element = _tab(page, problems, key)
        seen.append(element)
        if wanted(element):
            return presses
        if act:
            act(page, element)
    raise AssertionError(f"{limit} presses of {key} did not reach the element wanted: {seen[-10:]}")


def _answer_by_keyboard(answered):
    def act(page, element):
        name = element["name"]
        if not name.startswith("q-") or name in answered:
            return
        answered.add(name)
        if element["type"] in ("radio", "checkbox"):
            page.keyboard.press("Space")
        elif element["tag"] == "select":
            page.keyboard.press("ArrowDown")
        elif element["type"] == "text":
            page.keyboard.type("42")

    return act


JOURNEY_QUIZZES = [
    pytest.param("every type", id="untimed"),
    pytest.param("timed", id="timed"),  # its sticky countdown must never cover the focus
]


@pytest.mark.parametrize("quiz", JOURNEY_QUIZZES)
def test_keyboard_alone_signs_in_and_submits_a_quiz(site, browser, quiz):
    user = site.journey_users[f"keyboard {quiz}"]
    quiz_id = site.quiz_ids[quiz]
    # Without smooth scrolling, so that each stop is checked where the browser leaves it.
    context = site.context(browser, reduced_motion="reduce")
    page = context.new_page()
    problems = []
    page.goto(site.url + site.paths["sign-in"] + f"?next=/quizzes/{quiz_id}/")
    _tab_to(page, problems, lambda el: el["name"] == "login")
    page.keyboard.type(user.email)
    _tab_to(page, problems, lambda el: el["name"] == "password")
    page.keyboard.type(PASSWORD)
    _tab_to(page, problems, lambda el: el["type"] == "submit" and el["text"].lower() == "sign in")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/quizzes/{quiz_id}/"), page.url

    _tab_to(page, problems, lambda el: el["tag"] == "button" and el["text"].startswith("Start"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    answered = set()
    questions = page.locator("fieldset.question").count()
    submit = lambda el: el["tag"] == "button" and el["value"] == "submit"  # noqa: E731
    _tab_to(page, problems, submit, act=_answer_by_keyboard(answered))
    # Back up to the first question to check the answers, as one does before submitting: the
    # browser now brings each field into view from above.
    first = page.evaluate("document.querySelector('fieldset.question [name^=q-]').name")
    _tab_to(page, problems, lambda el: el["name"] == first, key="Shift+Tab")
    _tab_to(page, problems, submit)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("fieldset.question").count() == 0  # the result, not the form again
    assert len({name.split("-")[1] for name in answered}) == questions
    assert problems == []
    assert site.foreign_requests(context) == []
    context.close()


def test_without_javascript_one_signs_in_and_submits_a_quiz(site, browser):
    user = site.journey_users["no javascript"]
    quiz_id = site.quiz_ids["every type"]
    context = site.context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + site.paths["sign-in"] + f"?next=/quizzes/{quiz_id}/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith(f"/quizzes/{quiz_id}/"), page.url
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    types = set()
    for question in page.locator("fieldset.question").all():
        if question.locator("select").count():
            types.add("matching")
            for select in question.locator("select").all():
                select.select_option(index=1)
        elif question.locator("input[type=checkbox]").count():
            types.add("checkbox")
            question.locator("input[type=checkbox]").first.check()
        elif question.locator("input[type=radio]").count():
            types.add("radio")
            question.locator("input[type=radio]").first.check()
        else:
            types.add("text")
            question.locator("input[type=text]").fill("42")
    assert types == {"matching", "checkbox", "radio", "text"}
    with page.expect_navigation():
        page.click("button[value=submit]")

    assert page.locator("fieldset.question").count() == 0
    assert page.locator("main h1").count() == 1
    assert site.foreign_requests(context) == []
    context.close()
