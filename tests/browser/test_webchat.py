"""The web chat widget in a real browser, on the demo page in Persian: right to left, isolated
from the page's styles, keyboard-friendly, and live: an agent's reply made while the page is
open appears within a few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from playwright.sync_api import Page, expect

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.messages import message_add

QUESTION = "سلام، سفارش ۴۵۱۲ من کی می‌رسد؟"
ANSWER = "سلام! سفارش شما فردا صبح تحویل می‌شود."


def wait_for_conversation(timeout_seconds: float = 10) -> Conversation:
    """The conversation the live server's pipeline opened for the visitor's message."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            conversation = Conversation.objects.filter(channel="webchat").first()
        except OperationalError:
            # SQLite's shared in-memory test database refuses a read while the live server's
            # write transaction holds the table (it does not wait as a file would): retry.
            conversation = None
        if conversation is not None:
            return conversation
        time.sleep(0.1)
    raise AssertionError("no web-chat conversation was opened")


def test_persian_visitor_chats_and_sees_the_agents_reply_live(
    new_page: Callable[..., Page],
    make_agent: Callable[..., Agent],
    screenshot: Any,
) -> None:
    agent = make_agent(username="sara", display_name="سارا کریمی")
    page = new_page(locale="fa")
    page.goto("/chat/demo")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    launcher = page.locator("#mehvar-chat .launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    # The shop's loud button style does not reach into the widget's shadow root.
    background = launcher.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(11, 110, 79)"

    launcher.click()
    panel = page.locator("#mehvar-chat [role=dialog]")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("dir", "rtl")
    expect(panel).to_have_attribute("lang", "fa")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] < 400  # the inline end of a right-to-left page
    text = page.locator("#mehvar-chat #mc-text")
    expect(text).to_be_focused()
    expect(page.locator("#mehvar-chat ol.messages")).to_have_attribute("aria-live", "polite")

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    messages = page.locator("#mehvar-chat ol.messages li")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text(QUESTION)
    conversation = wait_for_conversation()
    assert conversation.messages.get().text == QUESTION
    # the visitor's own copy is replaced by the stored message (it gets an id)
    expect(messages.first).to_have_attribute("data-id", str(conversation.messages.get().pk))

    started = time.monotonic()
    message_add(actor=agent, conversation=conversation, text=ANSWER)
    message_add(actor=agent, conversation=conversation, text="یادداشت داخلی", is_internal=True)
    expect(messages).to_have_count(2, timeout=5_000)
    assert time.monotonic() - started < 5
    expect(messages.last).to_contain_text(ANSWER)
    expect(messages.last).to_contain_text("سارا کریمی")
    expect(page.locator("#mehvar-chat ol.messages")).not_to_contain_text("یادداشت داخلی")
    screenshot(page, "webchat-demo-fa", full_page=False)

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_agent_sees_a_greek_visitor_typing_and_then_the_message(
    new_page: Callable[..., Page],
    signed_in_page: Callable[..., Page],
    agent: Agent,
) -> None:
    visitor = new_page(locale="el")
    visitor.goto("/chat/demo")
    visitor.locator("#mehvar-chat .launcher").click()
    visitor.keyboard.type("Καλησπέρα, έχω ένα θέμα με την παραγγελία μου.")
    visitor.keyboard.press("Enter")
    conversation = wait_for_conversation()

    page = signed_in_page(agent)
    page.goto(f"/conversations/{conversation.pk}")
    typing = page.locator("#visitor-typing")
    expect(typing).to_have_text("")
    visitor.keyboard.type("Ο αριθμός είναι 4512")  # typed, not sent
    expect(typing).to_have_text("The visitor is typing…", timeout=5_000)
    visitor.keyboard.press("Enter")
    expect(page.locator("#thread")).to_contain_text("Ο αριθμός είναι 4512", timeout=5_000)
    expect(typing).to_have_text("", timeout=5_000)
