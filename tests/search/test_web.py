"""The search page (/search) and the header's search box: results with links, counts per
kind, highlighted and escaped text, clear 400s for bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.messages import message_add
from mehvar.customers.services import customer_create
from tests.web.helpers import browser

Open = Callable[..., Conversation]



def test_conversations_are_listed_with_links_counts_and_highlights(
    agent: Agent, open_conversation: Open,
) -> None:
    conversation = open_conversation("لم تصل الفاتورة", "أرسلوا الفاتورةَ من فضلكم")
    response = browser(agent).get("/search", {"q": "الفاتوره"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/conversations/{conversation.pk}"' in html
    assert '<bdi dir="auto">لم تصل <mark>الفاتورة</mark></bdi>' in html
    assert response.context["results"].counts == {"conversations": 1, "messages": 1,
                                                  "customers": 0}
    assert f'href="/customers/{conversation.customer_id}"' in html


def test_messages_show_a_highlighted_snippet_linking_to_the_conversation(
    agent: Agent, open_conversation: Open,
) -> None:
    conversation = open_conversation("Ρούτερ", "Καλησπέρα")
    long_text = "Καλησπέρα σας. " * 40 + "Η ΣΎΝΔΕΣΗ χάνεται κάθε βράδυ. " + "Ευχαριστώ. " * 40
    message = message_add(actor=agent, conversation=conversation, text=long_text)
    response = browser(agent).get("/search", {"q": "συνδεση", "kind": "messages"})
    html = response.content.decode()
    assert f'href="/conversations/{conversation.pk}#m-{message.pk}"' in html
    snippet = response.context["rows"][0]["snippet"]
    assert "<mark>ΣΎΝΔΕΣΗ</mark> χάνεται" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) < 300


def test_customers_are_found_by_name_without_accents(agent: Agent) -> None:
    maria = customer_create(actor=agent, name="Μαρία Παπαδοπούλου")
    response = browser(agent).get("/search", {"q": "ΜΑΡΙΑ", "kind": "customers"})
    html = response.content.decode()
    assert f'href="/customers/{maria.pk}"' in html
    assert "<mark>Μαρία</mark> Παπαδοπούλου" in html


def test_hostile_text_and_bidi_controls_come_out_escaped(
    agent: Agent, open_conversation: Open,
) -> None:
    open_conversation("<script>alert(1)</script> refund", "<img src=x onerror=alert(1)> "
                      "refund \u202egnp.exe")
    client = browser(agent)
    subject_html = client.get("/search", {"q": "refund"}).content.decode()
    message_html = client.get("/search", {"q": "refund", "kind": "messages"}).content.decode()
    assert "<script>alert(1)" not in subject_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>refund</mark>" in subject_html
    assert "<img" not in message_html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>refund</mark> gnp.exe" in message_html
    assert "\u202e" not in message_html


@pytest.mark.parametrize(("params", "message"), [
    ({"q": ""}, "Type a word to search for."),
    ({"q": "   "}, "Type a word to search for."),
    ({"q": "α" * 201}, "The search is too long: use at most 200 characters."),
    ({"q": "refund", "kind": "tickets"}, "Search conversations, messages or customers."),
    ({"q": "refund", "kind": "messages", "cursor": "xyz"}, "The cursor is not valid."),
])
def test_bad_input_is_a_clear_400(agent: Agent, params: dict[str, str], message: str) -> None:
    response = browser(agent).get("/search", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="error" role="alert">{message}</p>' in html


def test_the_bare_page_prompts_for_a_query(agent: Agent) -> None:
    response = browser(agent).get("/search")
    assert response.status_code == 200
    assert 'role="alert"' not in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get("/search", {"q": "refund"})
    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


def test_the_header_has_a_labelled_search_box_only_when_signed_in(agent: Agent) -> None:
    signed_in = browser(agent).get("/account").content.decode()
    assert '<form class="global-search" role="search" action="/search" method="get">' in signed_in
    assert '<label for="global-search">' in signed_in
    assert 'id="global-search" type="search" name="q"' in signed_in
    signed_out = Client().get("/signin").content.decode()
    assert 'id="global-search"' not in signed_out


def test_analysts_may_use_the_page(analyst: Agent, open_conversation: Open) -> None:
    open_conversation("کد تأیید", "کد را نمی‌گیرم")
    response = browser(analyst).get("/search", {"q": "كد"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_next_page_link_walks_the_results(agent: Agent, open_conversation: Open) -> None:
    made = [open_conversation(f"Refund {n}", "please") for n in range(27)]
    client = browser(agent)
    first = client.get("/search", {"q": "refund"})
    assert [row["id"] for row in first.context["rows"]] == [row.pk for row in made[::-1][:25]]
    second = client.get("/search" + first.context["next_url"])
    assert [row["id"] for row in second.context["rows"]] == [made[1].pk, made[0].pk]
    assert second.context["next_url"] == ""
