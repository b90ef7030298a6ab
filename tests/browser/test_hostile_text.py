"""Hostile subjects, names and tags are shown as text: nothing in them runs."""

from __future__ import annotations

from mehvar.conversations.services.conversations import conversation_create

# The subject carries a script, an image with onerror and a right-to-left override that would
# make "exe.png" read "gnp.exe"; the customer service refuses bidi controls in names (display
# spoofing), so the name carries markup and Arabic only.
SUBJECT = (
    '<script>window.__pwned = "subject"; alert(1)</script>'
    "<img src=x onerror=\"window.__pwned='img'; alert(2)\">فاتورة \u202egnp.exe"
)
NAME = "<img src=x onerror=\"window.__pwned='name'; alert(3)\"> أحمد <svg onload=alert(4)>"
TAG = "<b onmouseover=alert(5)>vip</b>"


def test_markup_and_bidi_overrides_render_as_inert_text(signed_in_page, agent) -> None:
    # Given a conversation whose subject, customer name and tag are hostile
    conversation_create(
        actor=agent,
        subject=SUBJECT,
        customer_name=NAME,
        channel="email",
        identity_kind="email",
        identity_value="evil@example.com",
        text="<script>alert(6)</script>",
        assignee_id=agent.pk,
        tags=[TAG],
    )
    page = signed_in_page(agent)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # When the agent opens the inbox (and hovers the tag)
    page.goto("/inbox")
    row = page.locator("table.inbox tbody tr")
    assert row.count() == 1
    row.locator(".tag").hover()
    page.wait_for_timeout(300)  # give any injected onerror/onload a chance to fire
    # Then nothing ran
    assert dialogs == []
    assert errors == []
    assert page.evaluate("window.__pwned") is None
    # and the texts are shown exactly as written, each isolated in a <bdi dir="auto">
    cells = row.locator("td")
    assert cells.nth(0).locator("bdi").first.text_content() == SUBJECT
    assert cells.nth(1).locator("bdi").text_content() == " ".join(NAME.split())
    assert cells.nth(0).locator(".tag bdi").text_content() == TAG
    assert page.locator("main img, main svg, main b, table script").count() == 0
    # and the override stays inside its isolate: the cell after it is not reordered
    assert cells.nth(0).locator("bdi").first.get_attribute("dir") == "auto"
