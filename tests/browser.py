"""Headless Chromium for the tests that look at a page as a user does (the report, the trip page)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "headless_shell")


def require_chromium() -> str:
    """The first Chromium on PATH; a skip without one, a failure under CI=true (.ci/run installs it)."""
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have Chromium ({' or '.join(BROWSERS)}): .ci/run installs chromium-headless-shell")
        pytest.skip("no Chromium here (.ci/run installs chromium-headless-shell)")
    return found


def chromium(browser: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with a throw-away profile under tmp_path."""
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
