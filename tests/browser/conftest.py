"""Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, never a downloaded browser.

Without chromium or playwright the tests are skipped with one reason; under CI (CI=true) they fail
instead, so a CI run can never pass without them. Screenshots go to TEST_ARTIFACTS (default
tests/artifacts/browser, ignored by git).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# What this machine needs: no sandbox (CI runs as root), no GPU, and no call home of any kind.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium) and playwright"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser test is slow; without a browser it is skipped, except under CI where it fails."""
    here = Path(__file__).resolve().parent
    mine = [item for item in items if here in item.path.resolve().parents]
    missing = _missing()
    for item in mine:
        item.add_marker(pytest.mark.slow)
        if missing and os.environ.get("CI", "").lower() != "true":
            item.add_marker(pytest.mark.skip(reason=f"{SKIP_REASON}: {missing}"))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "tests" / "artifacts") / "browser"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium with a new, empty profile; fails (never skips) under CI when it cannot start."""
    missing = _missing()
    if missing:
        pytest.fail(f"{SKIP_REASON}: {missing} (CI=true: browser tests must run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()
