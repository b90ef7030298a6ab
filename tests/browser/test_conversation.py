"""The conversation page in a real browser: keyboard shortcuts, the help overlay, @mention
completion, properties changed in place, and live updates from another agent."""

from __future__ import annotations

from playwright.sync_api import expect

from mehvar.conversations.models import Conversation, Mention, Status
from mehvar.conversations.services.conversations import conversation_create
from mehvar.conversations.services.messages import message_add_from_customer


def open_conversation(agent) -> Conversation:
    return conversation_create(
        actor=agent, subject="سفارش ۴۵۱۲ هنوز نرسیده", channel="whatsapp", language="fa",
        text="سلام، سفارش SKU-88 من هنوز نرسیده است.", identity_kind="phone",
        identity_value="+989121234567", customer_name="مریم احمدی")


def test_keyboard_walks_the_inbox_and_works_the_conversation(
    signed_in_page, agent, multilingual_inbox, screenshot,
) -> None:
    page = signed_in_page(agent)
    page.goto("/inbox")
    # j selects the first row, j again the second, o opens it
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr[data-row].selected")).to_have_count(1)
    page.keyboard.press("o")
    page.wait_for_url("**/conversations/*")
    second = multilingual_inbox[-2]  # newest first: the list's second row
    assert page.url.split("/conversations/")[1].startswith(str(second.pk))
    # a assigns to me (already mine: no button), s solves in place without a reload
    page.keyboard.press("s")
    expect(page.locator("#p-status")).to_have_value("solved")
    second.refresh_from_db()
    assert second.status == Status.SOLVED
    # n focuses the composer as an internal note; Ctrl+Enter sends it
    page.keyboard.press("n")
    expect(page.locator("#composer-text")).to_be_focused()
    page.keyboard.type("Καταγράφηκε, ευχαριστώ")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message.note").last).to_contain_text("Καταγράφηκε")
    # j goes on to the next conversation of the same list, u back to the inbox
    page.keyboard.press("j")
    page.wait_for_url(f"**/conversations/{multilingual_inbox[-3].pk}?*")
    screenshot(page, "conversation-en")
    page.keyboard.press("u")
    page.wait_for_url("**/inbox*")


def test_help_overlay_lists_the_shortcuts(signed_in_page, agent) -> None:
    page = signed_in_page(agent)
    page.goto("/inbox")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-help")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign to me")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()


def test_mention_completion_and_property_changes_in_place(
    signed_in_page, agent, make_agent,
) -> None:
    make_agent(username="sara", display_name="سارا کریمی")
    conversation = open_conversation(agent)
    page = signed_in_page(agent)
    page.goto(f"/conversations/{conversation.pk}")
    text = page.locator("#composer-text")
    text.click()
    page.keyboard.type("لطفاً @sa")
    option = page.locator("#mention-list [role=option]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("سارا کریمی")
    page.keyboard.press("Enter")
    expect(text).to_have_value("لطفاً @sara ")
    expect(page.locator('#composer input[value="note"]')).to_be_checked()
    page.keyboard.type("بررسی کن")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message.note")).to_contain_text("@sara")
    assert Mention.objects.filter(agent__username="sara").count() == 1
    # the priority select saves on change and the block is swapped in place
    page.select_option("#p-priority", "urgent")
    expect(page.locator(".event").last).to_contain_text("Urgent")
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"


def test_a_new_customer_message_appears_without_a_reload(signed_in_page, agent) -> None:
    conversation = open_conversation(agent)
    page = signed_in_page(agent, locale="fa")
    page.goto(f"/conversations/{conversation.pk}")
    page.evaluate("window.__marker = 'still the same page'")
    message_add_from_customer(conversation=conversation, text="هنوز منتظر پاسخ هستم")
    expect(page.locator(".message.from-customer").last).to_contain_text(
        "هنوز منتظر پاسخ هستم", timeout=4_000)
    assert page.evaluate("window.__marker") == "still the same page"


def test_inbox_lists_a_new_conversation_without_a_reload(signed_in_page, agent) -> None:
    page = signed_in_page(agent)
    page.goto("/inbox?view=unassigned")
    expect(page.locator("tr[data-row]")).to_have_count(0)
    conversation_create(actor=agent, subject="Νέα παραγγελία", channel="email", text="Γεια",
                        identity_kind="email", identity_value="nea@example.gr")
    expect(page.locator("tr[data-row]")).to_have_count(1, timeout=4_000)
    expect(page.locator("tr[data-row]")).to_contain_text("Νέα παραγγελία")
