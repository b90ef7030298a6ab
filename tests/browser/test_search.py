"""Search in a real browser: `/` jumps to the header box, Persian typed with Arabic letters
finds what was written with Persian ones, and the match is highlighted in the result."""

from __future__ import annotations

from playwright.sync_api import expect

from mehvar.conversations.services.conversations import conversation_create


def test_search_from_the_header_finds_and_highlights_folded_spellings(
    signed_in_page, agent, screenshot,
) -> None:
    conversation_create(
        actor=agent, subject="کد تأیید پیامکی نمی‌رسد", channel="sms", language="fa",
        text="سلام، کد تأیید برای ورود به حساب هنوز نیامده است.", identity_kind="phone",
        identity_value="+989121112233", customer_name="نگار موسوی")
    conversation_create(
        actor=agent, subject="Η επιστροφή χρημάτων καθυστερεί", channel="email", language="el",
        text="Περιμένω την επιστροφή εδώ και δύο εβδομάδες.", identity_kind="email",
        identity_value="maria@example.gr", customer_name="Μαρία Οικονόμου")
    page = signed_in_page(agent, locale="fa")
    page.goto("/inbox")
    page.keyboard.press("/")
    box = page.locator("#global-search")
    expect(box).to_be_focused()
    box.fill("تأييد كد")  # Arabic yeh and kaf
    with page.expect_navigation():
        box.press("Enter")
    result = page.locator(".search-results li")
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_have_text("کد")  # the original Persian letters
    screenshot(page, "search-fa")
    page.goto("/search?q=ΕΠΙΣΤΡΟΦΗ&kind=messages")
    expect(page.locator(".search-results mark").first).to_have_text("επιστροφή")
