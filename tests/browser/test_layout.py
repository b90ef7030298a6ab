"""Layout at desktop and tablet width, and the inbox screenshots in each language."""

from __future__ import annotations

import pytest

from mehvar.accounts.services import agent_set_preferences
from mehvar.conversations.services.conversations import conversation_create
from tests.browser.conftest import DESKTOP, TABLET

OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"
# The elements sticking out of the viewport, for the failure message.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => { const box = e.getBoundingClientRect();
                 return box.right > window.innerWidth + 1 || box.left < -1; })
  .slice(0, 5).map(e => `${e.tagName}.${e.className} ${Math.round(e.offsetWidth)}px`)"""


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


@pytest.mark.parametrize("language", ["en", "fa"])
def test_conversation_customer_and_search_pages_fit_a_tablet(
    signed_in_page, agent, language: str, screenshot,
) -> None:
    # Given a conversation with an unbroken overlong message, subject and customer name
    conversation = conversation_create(
        actor=agent, subject="درخواست‌بازپرداخت" * 12, customer_name="Αλεξάνδρα " * 8,
        channel="email", identity_kind="email", identity_value="long@example.com",
        text="https://example.com/" + "x" * 400 + " درخواست‌بازپرداخت", assignee_id=agent.pk)
    agent_set_preferences(actor=agent, language=language)
    page = signed_in_page(agent, viewport=TABLET)
    for path in (f"/conversations/{conversation.pk}", f"/customers/{conversation.customer_id}",
                 "/search?q=درخواست&kind=messages"):
        page.goto(path)
        page.wait_for_load_state("networkidle")  # the fragments loaded after the page
        assert page.evaluate(OVERFLOW) <= 0, (path, page.evaluate(WIDEST))
    page.goto(f"/conversations/{conversation.pk}")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"conversation-tablet-{language}")
