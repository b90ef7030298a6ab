"""The header language switch: right-to-left layout for Persian, and the choice persists."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import PASSWORD


def html_lang_dir(page: Page) -> tuple[str | None, str | None]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def brand_edges(page: Page) -> tuple[float, float]:
    """Gaps between the brand and the viewport's left and right edges, in CSS pixels."""
    box = page.locator(".brand").bounding_box()
    assert box is not None
    width = page.evaluate("document.documentElement.clientWidth")
    return box["x"], width - (box["x"] + box["width"])


def switch_language(page: Page, code: str) -> None:
    page.select_option("#language", code)
    with page.expect_navigation():
        page.click("form.language button[type=submit]")


def test_persian_mirrors_the_layout(signed_in_page, agent, multilingual_inbox) -> None:
    # Given an agent on the English inbox: the brand sits at the left edge
    page = signed_in_page(agent)
    page.goto("/inbox")
    assert html_lang_dir(page) == ("en", "ltr")
    left, right = brand_edges(page)
    assert left < 40 < right
    # When they choose فارسی in the header
    switch_language(page, "fa")
    # Then the page is Persian, right to left, and the brand sits at the right edge
    assert page.url.endswith("/inbox")  # back where they were
    assert html_lang_dir(page) == ("fa", "rtl")
    assert page.locator("h1").inner_text() == "صندوق ورودی"
    left, right = brand_edges(page)
    assert right < 40 < left
    # and the table's first column (subject) starts at the right
    header = page.locator("table.inbox th").first.bounding_box()
    table = page.locator("table.inbox").bounding_box()
    assert header is not None
    assert table is not None
    assert abs((header["x"] + header["width"]) - (table["x"] + table["width"])) < 2


def test_the_choice_survives_reload_and_signing_out_and_in(
    new_page,
    sign_in,
    agent,
    multilingual_inbox,
) -> None:
    # Given an agent who signed in through the form and chose Persian
    page = new_page()
    page.goto("/inbox")
    sign_in(page, agent.username, PASSWORD)
    switch_language(page, "fa")
    agent.refresh_from_db()
    assert agent.language == "fa"  # saved on the agent
    # When they reload: still Persian
    page.reload()
    assert html_lang_dir(page) == ("fa", "rtl")
    # When they sign out: the sign-in page stays Persian (the language cookie)
    with page.expect_navigation():
        page.click("form.signout button")
    page.goto("/signin")
    assert html_lang_dir(page) == ("fa", "rtl")
    # When they sign in again, in a browser that has never seen the cookie: Persian (the agent)
    fresh = new_page(locale="en-GB")
    fresh.goto("/inbox")
    assert html_lang_dir(fresh) == ("en", "ltr")
    sign_in(fresh, agent.username, PASSWORD)
    assert fresh.url.endswith("/inbox")
    assert html_lang_dir(fresh) == ("fa", "rtl")
    assert fresh.locator("select#language").input_value() == "fa"


def test_switching_back_to_english_restores_left_to_right(signed_in_page, agent) -> None:
    page = signed_in_page(agent)
    page.goto("/account")
    switch_language(page, "ar")
    assert html_lang_dir(page) == ("ar", "rtl")
    switch_language(page, "el")
    assert html_lang_dir(page) == ("el", "ltr")
    assert page.url.endswith("/account")
    switch_language(page, "en")
    assert html_lang_dir(page) == ("en", "ltr")
