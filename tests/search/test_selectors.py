"""Global search through mehvar.search.selectors.search: normalisation-driven matches in
Arabic, Persian and Greek, word-prefix matching, index sync, permissions, query counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mehvar.accounts.models import Agent
from mehvar.accounts.services import agent_update
from mehvar.conversations import search as conversation_search_module
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_update
from mehvar.conversations.services.messages import message_add, message_add_from_customer
from mehvar.core.errors import Invalid, PermissionDenied
from mehvar.customers.services import customer_create, customer_merge
from mehvar.search.selectors import search

Open = Callable[..., Conversation]

AR_SUBJECT = "لم تصل الفاتورة"                      # the invoice did not arrive
AR_TEXT = "مرحباً، أَرْسِلوا الفاتورةَ مرة أخرى من فضلكم."  # with harakat and teh marbuta
FA_SUBJECT = "کد تأیید نمی‌رسد"                     # Persian kaf/yeh, ZWNJ
FA_TEXT = "سلام، کد تأیید برای ورود به حسابم نمی‌آید. لطفاً بررسی کنید."
EL_SUBJECT = "Επιστροφή χρημάτων"
EL_TEXT = "Καλησπέρα, ζητώ επιστροφή χρημάτων για το σπασμένο μπλέντερ."
EN_SUBJECT = "Refund for a damaged blender"
EN_TEXT = "Hello, the blender arrived with a cracked jug. I would like a refund."


@pytest.fixture
def corpus(open_conversation: Open) -> dict[str, Conversation]:
    return {
        "ar": open_conversation(AR_SUBJECT, AR_TEXT),
        "fa": open_conversation(FA_SUBJECT, FA_TEXT),
        "el": open_conversation(EL_SUBJECT, EL_TEXT),
        "en": open_conversation(EN_SUBJECT, EN_TEXT),
    }


def ids(agent: Agent, q: str, kind: str = "conversations") -> list[int]:
    results = search(actor=agent, q=q, kind=kind)
    return [row.pk for row in results.page.items]


@pytest.mark.parametrize(("_case", "query", "language"), [
    ("greek without accents", "επιστροφη", "el"),
    ("greek capitals", "ΕΠΙΣΤΡΟΦΗ", "el"),
    ("greek capitals with accent", "ΕΠΙΣΤΡΟΦΉ χρημάτων", "el"),
    ("greek prefix", "επιστ", "el"),
    ("persian typed with arabic yeh and kaf", "كد تأييد", "fa"),
    ("persian without hamza", "تاييد", "fa"),
    ("persian without zwnj", "نمیاید", "fa"),
    ("persian with zwnj", "نمی\u200cآید", "fa"),
    ("arabic heh for teh marbuta", "الفاتوره", "ar"),
    ("arabic bare alef for hamza", "اخرى", "ar"),
    ("arabic with tatweel and harakat", "الفـــاتُورة", "ar"),
    ("english capitals", "REFUND", "en"),
    ("english prefix of two words", "crack blend", "en"),
])
def test_normalised_query_finds_the_written_form(
    agent: Agent, corpus: dict[str, Conversation], _case: str, query: str, language: str,
) -> None:
    assert ids(agent, query) == [corpus[language].pk]
    assert [row.conversation.pk for row in search(actor=agent, q=query, kind="messages")
            .page.items] == [corpus[language].pk]


def test_all_words_must_match_and_only_as_word_prefixes(
    agent: Agent, corpus: dict[str, Conversation],
) -> None:
    assert ids(agent, "refund zebra") == []
    assert ids(agent, "fund") == []          # inside a word: no match
    assert ids(agent, "تأیید ورود") == [corpus["fa"].pk]


def test_results_are_newest_first_with_counts_per_kind(
    agent: Agent, open_conversation: Open,
) -> None:
    older = open_conversation("Refund please", "My order")
    newer = open_conversation("Order question", "I want a refund")
    results = search(actor=agent, q="refund", kind="conversations")
    assert [row.pk for row in results.page.items] == [newer.pk, older.pk]
    assert results.counts == {"conversations": 2, "messages": 1, "customers": 0}
    assert results.terms == ["refund"]


def test_conversation_pages_walk_every_match_once(agent: Agent, open_conversation: Open) -> None:
    made = [open_conversation(f"Σύνδεση {n}" if n % 2 else "Ρούτερ", "η σύνδεση πέφτει"
                              if n % 3 else "τίποτα") for n in range(7)]
    expected = [row.pk for row in made if row.subject.startswith("Σύνδεση")
                or "σύνδεση" in row.messages.get().text][::-1]
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = search(actor=agent, q="συνδεση", cursor=cursor, limit=2).page
        seen += [row.pk for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected


def test_message_pages_walk_every_match_once(agent: Agent, open_conversation: Open) -> None:
    conversation = open_conversation("Ρούτερ", "σύνδεση 1")
    for n in range(2, 6):
        message_add(actor=agent, conversation=conversation, text=f"σύνδεση {n}")
    first = search(actor=agent, q="ΣΥΝΔΕΣΗ", kind="messages", limit=3).page
    second = search(actor=agent, q="ΣΥΝΔΕΣΗ", kind="messages", limit=3,
                    cursor=first.next_cursor).page
    texts = [row.text for row in [*first.items, *second.items]]
    assert texts == [f"σύνδεση {n}" for n in range(5, 0, -1)]
    assert second.next_cursor is None


def test_new_messages_and_subject_changes_are_indexed(
    agent: Agent, open_conversation: Open,
) -> None:
    conversation = open_conversation("سفارش", "سلام")
    assert ids(agent, "پیگیری") == []
    message_add_from_customer(conversation=conversation, text="لطفاً پیگیری کنید")
    assert ids(agent, "پيگيري") == [conversation.pk]
    message_add(actor=agent, conversation=conversation, text="یادداشت داخلی", is_internal=True)
    assert ids(agent, "یادداشت", kind="messages") != []
    conversation_update(actor=agent, conversation=conversation, subject="Τιμολόγιο Μαρτίου")
    assert ids(agent, "τιμολογιο") == [conversation.pk]
    assert ids(agent, "سفارش") == []


def test_merged_customers_conversations_are_found_under_the_survivor(
    supervisor: Agent, agent: Agent, open_conversation: Open,
) -> None:
    source = customer_create(actor=agent, name="علي رضايي")
    target = customer_create(actor=agent, name="علی رضایی")
    conversation = open_conversation("Ακύρωση", "θέλω ακύρωση", customer_id=source.pk)
    assert ids(agent, "علی", kind="customers") == [target.pk, source.pk]
    customer_merge(actor=supervisor, source=source, target=target)
    assert ids(agent, "علی", kind="customers") == [target.pk]
    page = search(actor=agent, q="ακυρωση").page
    assert [(row.pk, row.customer.pk) for row in page.items] == [(conversation.pk, target.pk)]


def test_customers_match_by_normalised_name_or_identity(agent: Agent) -> None:
    maria = customer_create(actor=agent, name="Μαρία Παπαδοπούλου",
                            identities=[("email", "maria@example.gr")])
    customer_create(actor=agent, name="Γιώργος Νικολάου")
    assert ids(agent, "μαρια", kind="customers") == [maria.pk]
    assert ids(agent, "MARIA@example.gr", kind="customers") == [maria.pk]


@pytest.mark.parametrize("kind", ["conversations", "messages", "customers"])
def test_analysts_may_search_every_kind(analyst: Agent, corpus: dict[str, Conversation],
                                        kind: str) -> None:
    results = search(actor=analyst, q="refund", kind=kind)
    assert results.counts == {"conversations": 1, "messages": 1, "customers": 0}


def test_inactive_agents_may_not_search(admin: Agent, make_agent: Callable[..., Agent],
                                        corpus: dict[str, Conversation]) -> None:
    inactive = agent_update(actor=admin, agent_id=make_agent("agent").pk,
                            changes={"is_active": False})
    with pytest.raises(PermissionDenied):
        search(actor=inactive, q="refund")


@pytest.mark.parametrize(("q", "kind", "code"), [
    ("", "conversations", "search_query_empty"),
    ("   ", "conversations", "search_query_empty"),
    ("?! …", "conversations", "search_query_empty"),
    ("α" * 201, "conversations", "search_query_too_long"),
    ("refund", "tickets", "search_kind_invalid"),
])
def test_bad_input_is_invalid(agent: Agent, q: str, kind: str, code: str) -> None:
    with pytest.raises(Invalid) as error:
        search(actor=agent, q=q, kind=kind)
    assert error.value.code == code


def test_a_bad_message_cursor_is_invalid(agent: Agent) -> None:
    with pytest.raises(Invalid) as error:
        search(actor=agent, q="refund", kind="messages", cursor="abc")
    assert error.value.code == "invalid_cursor"


@pytest.mark.parametrize(("kind", "queries"), [
    ("conversations", 10),  # 6 count queries, top id, subject window, message window, rows
    ("messages", 9),        # 6 count queries, top id, window, rows (conversation joined)
    ("customers", 8),       # 6 count queries, page, identities
])
@pytest.mark.parametrize("size", [1, 4])
def test_query_count_is_constant(
    agent: Agent, open_conversation: Open, django_assert_num_queries: Callable[..., object],
    kind: str, queries: int, size: int,
) -> None:
    for n in range(size):
        open_conversation(f"Refund {n}", "refund please", customer_name=f"Refund Rahimi {n}")
    with django_assert_num_queries(queries):  # type: ignore[attr-defined]
        results = search(actor=agent, q="refund", kind=kind)
    assert len(results.page.items) == size


@pytest.mark.parametrize("kind", ["conversations", "messages"])
def test_matches_older_than_the_window_come_from_the_full_text_index(
    agent: Agent, open_conversation: Open, monkeypatch: pytest.MonkeyPatch, kind: str,
) -> None:
    # Given a window of two ids, so that most matches lie below it
    monkeypatch.setattr(conversation_search_module, "MESSAGE_WINDOW", 2)
    monkeypatch.setattr(conversation_search_module, "CONVERSATION_WINDOW", 2)
    made = [open_conversation("Ρούτερ" if n % 2 else "Σύνδεση", "η σύνδεση πέφτει" if n % 3
                              else "τίποτα") for n in range(9)]
    expected = [row.pk for row in made if row.subject == "Σύνδεση"
                or row.messages.get().text != "τίποτα"][::-1]
    # When every page is read
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = search(actor=agent, q="ΣΎΝΔΕΣΗ", kind=kind, cursor=cursor, limit=2).page
        seen += [row.pk if kind == "conversations" else row.conversation.pk
                 for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    # Then each match came once, newest first
    wanted = expected if kind == "conversations" else [
        row.pk for row in made if row.messages.get().text != "τίποτα"][::-1]
    assert seen == wanted
