"""Basic accessibility, checked in Chromium: names, alt text, lang/dir, focus order, contrast.

Accessible names come from Chromium's own accessibility tree (the DevTools protocol), so a
control counts as named exactly when a screen reader would get a name for it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from mehvar.accounts.services import agent_set_preferences

CONTROL_ROLES = {
    "textbox",
    "searchbox",
    "combobox",
    "listbox",
    "button",
    "checkbox",
    "radio",
    "spinbutton",
    "slider",
    "switch",
    "link",
    "tab",
    "menuitem",
    "image",
    "img",
}

# The WCAG contrast ratio of every visible text node's colour against its effective background
# (the first opaque background up the tree; white when none).
CONTRAST_JS = """() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((c) => {
      c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || (colour.length === 4 && colour[3] === 1)) return colour;
    }
    return [255, 255, 255];
  };
  const results = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const element = text.parentElement;
    if (!text.textContent.trim() || !element.checkVisibility()) continue;
    if (element.closest("select")) continue;  // options are drawn by the browser
    const style = getComputedStyle(element);
    const fg = rgb(style.color), bg = background(element);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    results.push({text: text.textContent.trim().slice(0, 40), tag: element.tagName,
                  class: element.className, color: style.color,
                  ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100});
  }
  return results;
}"""

FOCUSED_JS = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {key: element.id || element.className || element.getAttribute("href")
               || element.tagName.toLowerCase(),
          tag: element.tagName.toLowerCase(), text: element.textContent.trim().slice(0, 30),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
                   || style.boxShadow !== "none"};
}"""

PAGES = ["/signin", "/inbox", "/inbox?view=open", "/account", "/account/password"]


def open_page(path: str, new_page, signed_in_page, agent, language: str = "en") -> Page:
    page = new_page(locale=language) if path == "/signin" else signed_in_page(agent)
    page.goto(path)
    return page


def ax_nodes(page: Page) -> list[dict[str, Any]]:
    session = page.context.new_cdp_session(page)
    try:
        return session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()


@pytest.mark.parametrize("path", PAGES)
def test_every_control_and_image_has_an_accessible_name(
    new_page,
    signed_in_page,
    agent,
    multilingual_inbox,
    path: str,
) -> None:
    page = open_page(path, new_page, signed_in_page, agent)
    unnamed = [
        (node["role"]["value"], node.get("backendDOMNodeId"))
        for node in ax_nodes(page)
        if not node.get("ignored")
        and node.get("role", {}).get("value") in CONTROL_ROLES
        and not node.get("name", {}).get("value", "").strip()
    ]
    assert unnamed == []
    # Images: an alt attribute on each (alt="" only for decoration, which the tree ignores).
    assert page.locator("img:not([alt])").count() == 0


@pytest.mark.parametrize("language", ["en", "ar", "fa", "el"])
@pytest.mark.parametrize("path", ["/signin", "/inbox", "/account"])
def test_lang_and_dir_are_set(new_page, signed_in_page, agent, path: str, language: str) -> None:
    # Signed in, the agent's saved language applies; signed out, the browser's Accept-Language.
    agent_set_preferences(actor=agent, language=language)
    page = open_page(path, new_page, signed_in_page, agent, language)
    direction = "rtl" if language in {"ar", "fa"} else "ltr"
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language,
        direction,
    ]
    assert page.evaluate("getComputedStyle(document.body).direction") == direction


def test_tab_reaches_the_main_controls_in_order_with_a_visible_focus(
    signed_in_page,
    agent,
    multilingual_inbox,
) -> None:
    page = signed_in_page(agent)
    page.goto("/inbox")
    seen: list[dict[str, Any]] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused["tag"] == "body" or (seen and focused["key"] == seen[0]["key"]):
            break
        seen.append(focused)
    keys = [item["key"] for item in seen]
    main = [
        "brand",
        "/inbox",
        "/account",
        "language",
        "?view=mine",
        "?view=unassigned",
        "f-channel",
        "f-priority",
        "f-language",
    ]
    assert [key for key in keys if key in main] == main  # each once, in reading order
    assert any(item["tag"] == "button" and item["text"] == "Sign out" for item in seen)
    assert any(item["tag"] == "button" and item["text"] == "Filter" for item in seen)
    assert [item["key"] for item in seen if not item["outline"]] == []


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("path", ["/signin", "/inbox", "/account"])
def test_text_contrast_is_at_least_4_5_to_1(
    new_page,
    signed_in_page,
    agent,
    multilingual_inbox,
    path: str,
    language: str,
) -> None:
    agent_set_preferences(actor=agent, language=language)
    page = open_page(path, new_page, signed_in_page, agent, language)
    measured = page.evaluate(CONTRAST_JS)
    assert len(measured) > 5
    assert [item for item in measured if item["ratio"] < 4.5] == []


def test_arrow_keys_on_the_language_select_do_not_switch_the_page(signed_in_page, agent) -> None:
    page = signed_in_page(agent)
    page.goto("/inbox")
    page.focus("#language")
    page.keyboard.press("ArrowDown")  # a keyboard user stepping through the languages
    page.wait_for_timeout(1000)
    assert page.evaluate("document.documentElement.lang") == "en"
