"""Browser tests: Debian's headless Chromium, driven by Playwright's sync API, against pytest-django's
live server.

One browser serves every browser test; each test gets a fresh context (no cookies, no storage) and
page. ``sign_in(page, member)`` goes through the real login form; ``screenshot(page, name)`` saves
``test-output/screenshots/<name>.png`` at the repository root. A test that fails also leaves
``FAILED-<test>.png`` there, and an uncaught JavaScript error on a page fails its test.

Chromium is never downloaded (no ``playwright install``): the tests use ``/usr/bin/chromium`` (or
``$CASCADE_CHROMIUM``) and FAIL, never skip, when it is missing.

Why ``scope="package"`` rather than the whole session: while Playwright's sync API runs, its event
loop counts as running in the main thread, so Django refuses ORM calls there
(``SynchronousOnlyOperation``) unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set. Tying the browser
(and that setting) to this package keeps both away from the rest of the suite; since pytest runs
this package's tests together, it is still one browser for the whole run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cascade.orgs.models import Member

CHROMIUM = os.environ.get("CASCADE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google, and the network is closed.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests-only"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, and there is none. Install Debian's "
            "package (apt-get install chromium) or point CASCADE_CHROMIUM at a Chromium binary. "
            "Do not run `playwright install`: the tests never download a browser.",
            pytrace=False,
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context and page on the live server; relative URLs (``page.goto("/login/")``) work."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield new_page
        if request.node.stash.get(_FAILED, False):
            save_screenshot(new_page, "FAILED-" + re.sub(r"[^\w.-]+", "_", request.node.name))
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, "my-week")`` saves test-output/screenshots/my-week.png (the whole page)."""
    return save_screenshot


def sign_in_through_form(page: Page, member: Member) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the account menu carries the person's name, and we have left the login page.
    expect(page.locator("details.account > summary")).to_have_text(member.user.full_name)
    expect(page).not_to_have_url(re.compile(re.escape(reverse("login"))))


@pytest.fixture
def sign_in() -> Callable[[Page, Member], None]:
    """``sign_in(page, member)``: through the login form at /login/, as a person would."""
    return sign_in_through_form
