"""Page weights: the bytes a browser receives for a page and everything it loads (headers and
bodies as transferred, compressed where they are), on a first visit (empty cache) and a repeat
visit (same browser, its cache warm). Used by test_weights.py, which asserts the budgets, and by
`make bench` (bench/pages.py), which prints the figures beside them."""

from __future__ import annotations

# KB here are 1,000 bytes: a 2G connection at 50 kbit/s takes about 5 s for the first visit.
BUDGETS = {"first": 30_000, "repeat": 16_000}
PAGES = ("catalogue", "lesson", "quiz")


def measure_page_weight(browser, url: str, cookies: list[dict]) -> dict[str, int]:
    """Bytes received for `url` on a first and on a repeat visit, in a context of its own with
    `cookies` (the Chrome DevTools Protocol's count: what came over the network, 0 for what the
    cache served)."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.add_cookies(cookies)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Network.enable")
    received = []
    devtools.on(
        "Network.loadingFinished", lambda event: received.append(event["encodedDataLength"])
    )
    weights = {}
    try:
        for visit in ("first", "repeat"):
            received.clear()
            response = page.goto(url, wait_until="load")
            if response is None or response.status != 200:
                raise AssertionError(f"GET {url}: {response and response.status}")
            page.wait_for_load_state("networkidle")
            weights[visit] = int(sum(received))
    finally:
        context.close()
    return weights


def format_weights(weights: dict[str, dict[str, int]]) -> list[str]:
    """One line per page: bytes on the first and repeat visit, beside their budgets."""
    lines = []
    for name, each in weights.items():
        figures = [
            f"{visit} {each[visit]:>7,} B (budget {BUDGETS[visit]:,}, "
            f"{'ok' if each[visit] <= BUDGETS[visit] else 'OVER'})"
            for visit in ("first", "repeat")
        ]
        lines.append(f"  {name:<12}" + "   ".join(figures))
    return lines
