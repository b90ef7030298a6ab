"""Layout at desktop and tablet width, and the inbox screenshots in each language."""

from __future__ import annotations

import pytest

from mehvar.accounts.services import agent_set_preferences
from mehvar.conversations.services.conversations import conversation_create
from tests.browser.conftest import DESKTOP, TABLET

OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("path", ["/inbox", "/inbox?view=open&channel=email", "/account"])
def test_no_horizontal_overflow_at_tablet_width(
    signed_in_page,
    agent,
    multilingual_inbox,
    path: str,
    language: str,
) -> None:
    # Given a long unbroken subject and a long customer name next to the usual ones
    conversation_create(
        actor=agent,
        subject="درخواست‌بازپرداخت" * 12,
        customer_name="Αλεξάνδρα " * 8,
        channel="email",
        identity_kind="email",
        identity_value="long@example.com",
        text="…",
        assignee_id=agent.pk,
        tags=["πολύ-μεγάλη-ετικέτα-χωρίς-κενά" * 2],
    )
    agent_set_preferences(actor=agent, language=language)
    page = signed_in_page(agent, viewport=TABLET)
    page.goto(path)
    assert page.evaluate(OVERFLOW) <= 0


@pytest.mark.parametrize("language", ["en", "ar", "fa", "el"])
def test_inbox_screenshots(
    signed_in_page, screenshot, agent, multilingual_inbox, language: str
) -> None:
    agent_set_preferences(actor=agent, language=language)
    page = signed_in_page(agent, viewport=DESKTOP)
    page.goto("/inbox")
    assert page.locator("table.inbox tbody tr").count() == len(multilingual_inbox)
    path = screenshot(page, f"inbox-{language}")
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("language", ["en", "fa"])
def test_inbox_screenshots_at_tablet_width(
    signed_in_page, screenshot, agent, multilingual_inbox, language: str
) -> None:
    agent_set_preferences(actor=agent, language=language)
    page = signed_in_page(agent, viewport=TABLET)
    page.goto("/inbox")
    path = screenshot(page, f"inbox-tablet-{language}")
    assert path.stat().st_size > 10_000
