"""Signing in through the real form, in a real browser."""

from __future__ import annotations

import re

from django.conf import settings

from tests.browser.conftest import PASSWORD


def test_signing_in_through_the_form_lands_on_the_inbox(
    new_page,
    sign_in,
    agent,
    multilingual_inbox,
) -> None:
    # Given a signed-out visitor sent to the sign-in page by the inbox
    page = new_page()
    page.goto("/inbox")
    assert re.search(r"/signin\?next=/inbox$", page.url)
    # When they sign in with the right password
    sign_in(page, "agent", PASSWORD)
    # Then they are on their inbox, which lists their conversations
    assert page.url.endswith("/inbox")
    assert page.locator("h1").inner_text() == "Inbox"
    assert page.locator("table.inbox tbody tr").count() == len(multilingual_inbox)
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(new_page, sign_in, agent) -> None:
    page = new_page()
    page.goto("/signin")
    sign_in(page, "agent", "not-the-password")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "correct username and password" in alert.inner_text()
    assert page.url.endswith("/signin")
    assert page.input_value("#id_username") == "agent"  # kept, so only the password is retyped
    assert page.input_value("#id_password") == ""
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert settings.SESSION_COOKIE_NAME not in names
    page.goto("/inbox")
    assert "/signin" in page.url
