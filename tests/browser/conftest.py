"""
Browser tests: Playwright driving Debian's /usr/bin/chromium against live_server.

Every test here is marked ``browser`` (run alone with ``pytest -m browser``).
A missing chromium fails these tests instead of skipping them: a skipped
browser test is a failure in CI. Every page load is guarded: a request to any
host but the live server is aborted and fails the test, and so does an error
in the browser console.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test`, which installs it"
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def guarded_page(page, live_server):
    """A page that refuses every request leaving the live server and records console errors."""
    server = urlsplit(live_server.url).netloc
    outside: list[str] = []
    console_errors: list[str] = []

    def route(route):
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.set_default_timeout(15_000)
    page.outside_requests = outside
    page.console_errors = console_errors
    yield page
    assert outside == [], f"requests left the server: {outside}"
    assert console_errors == [], f"console errors: {console_errors}"


@pytest.fixture
def login(guarded_page, live_server):
    """login(user) signs the user in through the real login form (the password of tests.factories)."""

    def sign_in(user, next_path: str = "/"):
        guarded_page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
        guarded_page.fill("#id_username", user.username)
        guarded_page.fill("#id_password", PASSWORD)
        guarded_page.click("button[type=submit]")
        guarded_page.wait_for_load_state()
        return guarded_page

    return sign_in


def save_screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot as a test artifact: test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
