"""The customer page in a real browser, right to left: the 360 reads in Persian, identities
stay left to right, and the notes are saved in place."""

from __future__ import annotations

from playwright.sync_api import expect

from mehvar.accounts.services import agent_set_preferences
from mehvar.customers.models import Customer
from mehvar.customers.services import customer_create


def test_customer_page_in_persian_saves_notes(signed_in_page, agent, screenshot) -> None:
    agent_set_preferences(actor=agent, language="fa")
    customer = customer_create(actor=agent, name="فاطمه احمدی", language="fa",
                               identities=[("phone", "+989121234567"),
                                           ("email", "fatemeh@example.ir")])
    page = signed_in_page(agent)
    page.goto(f"/customers/{customer.pk}")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(page.locator("h1, h2").filter(has_text="فاطمه احمدی").first).to_be_visible()
    phone = page.locator("bdi[dir=ltr]", has_text="+989121234567")
    expect(phone).to_be_visible()
    page.locator("textarea[name=notes]").fill("مشتری وفادار؛ ترجیح می‌دهد پیامک بگیرد.")
    with page.expect_navigation():
        page.locator("textarea[name=notes]").locator("xpath=ancestor::form").locator(
            "button[type=submit]").click()
    expect(page.locator(".c360-notes")).to_contain_text("ترجیح می‌دهد پیامک بگیرد")
    assert Customer.objects.get(pk=customer.pk).notes.startswith("مشتری وفادار")
    screenshot(page, "customer-fa")
