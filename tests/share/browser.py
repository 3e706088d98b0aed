"""A real headless Chromium (the OS package, driven by Playwright) for the share tests.

Playwright's own browser downloads are never used: the tests launch the chromium that
`.ci/run` installs with apt-get, and skip with the reason where there is none.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


@pytest.fixture
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium here: `apt-get install -y chromium` (.ci/run does) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")
    with sync_api.sync_playwright() as pw:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        chrome = pw.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield chrome
        chrome.close()
