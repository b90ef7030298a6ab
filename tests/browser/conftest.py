"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against a live server.

Fixtures (see docs/development/testing.md, "Browser tests"):

- `browser`: one headless Chromium per worker while it runs tests of this package;
- `new_page(locale=..., viewport=...)`: a fresh, signed-out page (own cookies);
- `signed_in_page(agent, ...)`: a page already signed in as `agent` (a session cookie);
- `sign_in(page, username, password)`: signs in through the real /signin form;
- `screenshot(page, name)`: saves var/screenshots/<name>.png and returns the path;
- `url(path)`: the live server's absolute URL of `path`.

Every test here gets a transactional database and the live server. Playwright's sync API keeps
an asyncio loop running in the test thread, so Django would refuse ORM calls there
(SynchronousOnlyOperation): the `playwright` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE only while
Playwright runs, and is package-scoped so that the rest of the suite on the same xdist worker
runs with the check on.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create

PASSWORD = "correct-horse-battery"  # tests/conftest.py's make_agent password
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}
DEFAULT_TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """Debian's Chromium (scripts/system_packages.sh installs it), or MEHVAR_CHROMIUM."""
    return (
        os.environ.get("MEHVAR_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    executable = chromium_path()
    if executable is None:
        message = (
            "No Chromium found: the browser tests need Debian's `chromium` package "
            "(scripts/system_packages.sh installs it; `make test` runs that script)."
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message + " Skipped outside CI only.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as running:
            yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(autouse=True)
def _live(live_server: Any, transactional_db: None) -> None:
    """Every browser test: the live server, and data committed so that its thread sees it."""


@pytest.fixture
def url(live_server: Any) -> Callable[[str], str]:
    return lambda path: f"{live_server.url}/{path.lstrip('/')}"


@pytest.fixture
def new_page(browser: Browser, live_server: Any,
             transactional_db: None) -> Iterator[Callable[..., Page]]:
    """new_page(locale="en", viewport=DESKTOP) -> a page in a context of its own.

    Torn down before the database is flushed (it depends on transactional_db): pages poll
    for live updates and load fragments after they arrive, and a request still running in
    the live server while SQLite flushes the tables failed with "database table is locked"."""
    contexts = []

    def make(*, locale: str = "en", viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=viewport or DESKTOP
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        for page in context.pages:
            page.goto("about:blank")  # stop polling; wait for the page to leave
        context.close()
    if contexts:
        # A request the browser sent just before leaving may still be finishing in the live
        # server's thread; give it a moment before the flush locks the tables.
        time.sleep(0.2)


@pytest.fixture
def signed_in_page(new_page: Callable[..., Page], live_server: Any) -> Callable[..., Page]:
    """signed_in_page(agent, locale="en", viewport=DESKTOP) -> a page with agent's session.

    The session comes from Django's test client (force_login), so it skips the form; use
    `sign_in` to test the form itself."""

    def make(agent: Agent, **options: Any) -> Page:
        client = Client()
        _force_login(client, agent)
        page = new_page(**options)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return page

    return make


def _force_login(client: Client, agent: Agent, attempts: int = 20) -> None:
    """force_login, again while SQLite says "database table is locked". The test database is
    SQLite's shared in-memory cache, where a page's request still running in the live
    server's thread can hold a table lock, and a shared-cache lock does not wait out the busy
    timeout as a file lock does: the session's insert fails at once."""
    for attempt in range(attempts):
        try:
            client.force_login(agent)
            return
        except OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and submit the sign-in form on the current page (/signin)."""
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")


@pytest.fixture(name="sign_in")
def sign_in_fixture() -> Callable[..., None]:
    return sign_in


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as var/screenshots/<name>.png (var/ is gitignored)."""
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(name="screenshot")
def screenshot_fixture() -> Callable[..., Path]:
    return screenshot


# Real multilingual conversations (subject, customer, channel, language, text), assigned to the
# agent so that the default "Mine" view lists them.
CONVERSATIONS = (
    (
        "سفارشم هنوز نرسیده است",
        "مریم رضایی",
        "email",
        "fa",
        "سلام، سفارش شماره ۴۵۱۲ را دو هفته پیش ثبت کردم و هنوز خبری نیست.",
    ),
    (
        "لم تصل فاتورة هذا الشهر",
        "أحمد المصري",
        "whatsapp",
        "ar",
        "مرحباً، لم أستلم فاتورة شهر مارس حتى الآن. هل يمكنكم إرسالها مرة أخرى؟",
    ),
    (
        "Η σύνδεση στο διαδίκτυο διακόπτεται συνεχώς",
        "Γιώργος Παπαδόπουλος",
        "webchat",
        "el",
        "Καλησπέρα σας, από χθες το βράδυ το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά.",
    ),
    (
        "Refund for a damaged blender",
        "Olivia Brown",
        "sms",
        "en",
        "Hello, the blender arrived with a cracked jug. I would like a refund, please.",
    ),
)


@pytest.fixture
def multilingual_inbox(agent: Agent) -> list[Conversation]:
    """Four conversations in Persian, Arabic, Greek and English, assigned to `agent`."""
    return [
        conversation_create(
            actor=agent,
            subject=subject,
            customer_name=name,
            channel=channel,
            language=language,
            text=text,
            identity_kind="email",
            identity_value=f"c{number}@example.com",
            assignee_id=agent.pk,
            tags=["فوری", "σύνδεση"][: number % 3],
        )
        for number, (subject, name, channel, language, text) in enumerate(CONVERSATIONS)
    ]
