"""Without Chromium, the browser suite (tests/browser/) is left out with one line that says how
to install it, and the rest of the run goes on."""

import os
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import SKIP_MESSAGE

ROOT = Path(__file__).resolve().parents[2]


def test_browser_suite_without_chromium_says_how_to_install_it_once(tmp_path):
    env = {**os.environ, "ELEARN_TEST_CHROMIUM": str(tmp_path / "no-chromium")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 5, run.stdout + run.stderr  # nothing collected, nothing failed
    lines = run.stdout.splitlines()
    assert lines.count(SKIP_MESSAGE) == 1, run.stdout
    assert "apt-get install chromium" in SKIP_MESSAGE
