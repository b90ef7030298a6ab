"""Conversation reads: filters, keyset pages that visit every row once, per-customer views, and
query counts that stay the same as the data grows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.models import Conversation
from mehvar.conversations.selectors import (
    conversation_counts,
    conversation_counts_for_customer,
    conversation_get,
    conversation_list,
    conversation_list_for_customer,
    conversation_messages,
    conversation_timeline,
    message_get,
)
from mehvar.conversations.services.conversations import (
    conversation_assign,
    conversation_set_status,
)
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from mehvar.core.errors import Invalid, NotFound, PermissionDenied
from tests.conversations.conftest import AR_NOTE, AR_TEXT, EL_TEXT, FA_REPLY
from tests.factories.conversations import ConversationFactory, MessageFactory, TagFactory
from tests.factories.customers import CustomerFactory

Opener = Callable[..., Conversation]


def ids(rows: Any) -> list[int]:
    return [row.pk for row in rows]


# --- conversation_list ---------------------------------------------------------------------


@pytest.fixture
def inbox(open_conversation: Opener, agent: Agent, supervisor: Agent, team: Team) -> dict[str, Any]:
    """Five conversations with distinct attributes, created oldest to newest."""
    fa = open_conversation(email="fa@example.com", tags=["VIP"])
    ar = open_conversation(email="ar@example.com", text=AR_TEXT, language="ar",
                           channel="whatsapp", priority="high", tags=["الفواتير"])
    el = open_conversation(email="el@example.com", text=EL_TEXT, language="el", channel="sms",
                           priority="urgent")
    mine = open_conversation(email="fa@example.com", assignee_id=agent.pk, team_id=team.pk)
    solved = open_conversation(email="ar@example.com", text=AR_TEXT, language="ar")
    conversation_set_status(actor=agent, conversation=solved, status="solved")
    conversation_assign(actor=supervisor, conversation=el, assignee_id=supervisor.pk,
                        team_id=None)
    return {"fa": fa, "ar": ar, "el": el, "mine": mine, "solved": solved}


@pytest.mark.parametrize(
    ("_case", "filters", "expected"),
    [
        ("no filter, newest first", {}, ["solved", "mine", "el", "ar", "fa"]),
        ("one status", {"status": ["new"]}, ["mine", "el", "ar", "fa"]),
        ("two statuses", {"status": ["solved", "open"]}, ["solved"]),
        ("priority", {"priority": "urgent"}, ["el"]),
        ("channel", {"channel": "whatsapp"}, ["ar"]),
        ("language", {"language": "ar"}, ["solved", "ar"]),
        ("tag, any spelling", {"tag": " vip "}, ["fa"]),
        ("arabic tag", {"tag": "الفواتير"}, ["ar"]),
        ("unassigned", {"unassigned": True}, ["solved", "ar", "fa"]),
        ("unknown status matches nothing", {"status": ["lost"]}, []),
        ("combined", {"status": ["new"], "language": "fa", "unassigned": True}, ["fa"]),
    ],
)
def test_conversation_list_filters(
    inbox: dict[str, Any], analyst: Agent, _case: str, filters: dict[str, Any],
    expected: list[str],
) -> None:
    page = conversation_list(actor=analyst, **filters)

    assert ids(page.items) == [inbox[name].pk for name in expected]
    assert page.next_cursor is None


def test_conversation_list_filters_by_people_and_customer(
    inbox: dict[str, Any], analyst: Agent, agent: Agent, supervisor: Agent, team: Team,
) -> None:
    by_agent = conversation_list(actor=analyst, assignee_id=agent.pk)
    by_supervisor = conversation_list(actor=analyst, assignee_id=supervisor.pk)
    by_team = conversation_list(actor=analyst, team_id=team.pk)
    by_customer = conversation_list(actor=analyst, customer_id=inbox["fa"].customer_id)

    assert ids(by_agent.items) == [inbox["mine"].pk]
    assert ids(by_supervisor.items) == [inbox["el"].pk]
    assert ids(by_team.items) == [inbox["mine"].pk]
    assert ids(by_customer.items) == [inbox["mine"].pk, inbox["fa"].pk]


def test_keyset_pages_visit_every_row_once_even_with_equal_times(analyst: Agent) -> None:
    same_moment = timezone.now() - timedelta(hours=1)
    tied = ConversationFactory.create_batch(7, created_at=same_moment)
    others = ConversationFactory.create_batch(16)
    expected = sorted(tied + others, key=lambda row: (row.created_at, row.pk), reverse=True)

    seen: list[int] = []
    cursor = None
    for _page in range(10):
        page = conversation_list(actor=analyst, cursor=cursor, limit=5)
        seen.extend(ids(page.items))
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == ids(expected)
    assert len(seen) == 23


def test_a_bad_cursor_is_invalid(analyst: Agent) -> None:
    with pytest.raises(Invalid) as caught:
        conversation_list(actor=analyst, cursor="@@not-a-cursor@@")

    assert (caught.value.code, caught.value.field) == ("invalid_cursor", "cursor")


def test_limit_is_clamped_to_100(analyst: Agent) -> None:
    ConversationFactory.create_batch(101)

    page = conversation_list(actor=analyst, limit=1000)

    assert len(page.items) == 100
    assert page.next_cursor is not None


@pytest.mark.parametrize("size", [3, 30])
def test_conversation_list_query_count_is_constant(
    analyst: Agent, team: Team, size: int, django_assert_num_queries: Any,
) -> None:
    tags = [TagFactory(name="vip"), TagFactory(name="فوری")]
    ConversationFactory.create_batch(size, team=team, assignee=analyst, tags=tags)

    with django_assert_num_queries(2):  # the page with its joins; the tags
        page = conversation_list(actor=analyst, limit=100)
        names = [(c.customer.name, c.team.name, c.assignee.username,
                  sorted(c.tag_names)) for c in page.items]

    assert len(names) == size
    assert names[0][3] == ["vip", "فوری"]


def test_counts_for_several_filter_sets_in_one_query_and_capped(
    analyst: Agent, django_assert_num_queries: Callable[..., Any],
) -> None:
    ConversationFactory.create_batch(5, status="open", channel="email")
    ConversationFactory.create_batch(2, status="pending", channel="sms")
    with django_assert_num_queries(1):
        counts = conversation_counts(actor=analyst, cap=4, views={
            "open": {"status": ["open"]}, "pending": {"status": ["pending"]},
            "sms": {"channel": "sms"}, "no_teams": {"team_ids": []},
            "all": {}})
    assert counts == {"open": 4, "pending": 2, "sms": 2, "no_teams": 0, "all": 4}
    with pytest.raises(PermissionDenied):
        conversation_counts(actor=None, views={"all": {}})  # type: ignore[arg-type]


def test_conversation_list_needs_a_role(db: None) -> None:
    with pytest.raises(PermissionDenied):
        conversation_list(actor=None)  # type: ignore[arg-type]


# --- conversation_get and messages ---------------------------------------------------------


def test_conversation_get_loads_relations(
    open_conversation: Opener, analyst: Agent, agent: Agent, team: Team,
    django_assert_num_queries: Any,
) -> None:
    created = open_conversation(team_id=team.pk, assignee_id=agent.pk, tags=["vip"])

    with django_assert_num_queries(2):
        conversation = conversation_get(actor=analyst, conversation_id=created.pk)
        loaded = (conversation.customer.name, conversation.team.name,
                  conversation.assignee.username, [t.name for t in conversation.tags.all()])

    assert loaded == ("فاطمه احمدی", "پشتیبانی فارسی", "agent", ["vip"])


def test_conversation_get_unknown_id(analyst: Agent) -> None:
    with pytest.raises(NotFound) as caught:
        conversation_get(actor=analyst, conversation_id=-1)

    assert caught.value.code == "conversation_not_found"


def test_messages_oldest_first_across_pages(
    open_conversation: Opener, agent: Agent, analyst: Agent,
) -> None:
    conversation = open_conversation()
    added = [message_add(actor=agent, conversation=conversation, text=f"{FA_REPLY} {n}")
             for n in range(6)]

    first = conversation_messages(actor=analyst, conversation_id=conversation.pk, limit=4)
    second = conversation_messages(actor=analyst, conversation_id=conversation.pk,
                                   cursor=first.next_cursor, limit=4)

    first_message = conversation.messages.get(author_kind="customer")
    assert ids(first.items) + ids(second.items) == [first_message.pk, *ids(added)]
    assert (len(first.items), second.next_cursor) == (4, None)


@pytest.mark.parametrize("size", [2, 12])
def test_get_with_messages_query_count_is_constant(
    open_conversation: Opener, agent: Agent, analyst: Agent, size: int,
    django_assert_num_queries: Any,
) -> None:
    conversation = open_conversation(tags=["vip"])
    for number in range(size):
        message_add(actor=agent, conversation=conversation, text=AR_NOTE, is_internal=True,
                    attachments=[AttachmentUpload(f"{number}.txt", "text/plain", b"x")])

    with django_assert_num_queries(4):  # conversation; tags; messages + agents; attachments
        loaded = conversation_get(actor=analyst, conversation_id=conversation.pk)
        page = conversation_messages(actor=analyst, conversation_id=loaded.pk, limit=100)
        rows = [(m.author_agent.username if m.author_agent else None,
                 [a.filename for a in m.attachments.all()]) for m in page.items]

    assert len(rows) == size + 1
    assert rows[1] == ("agent", ["0.txt"])


def test_messages_of_an_unknown_conversation(analyst: Agent) -> None:
    with pytest.raises(NotFound) as caught:
        conversation_messages(actor=analyst, conversation_id=-1)

    assert caught.value.code == "conversation_not_found"


def test_messages_of_a_conversation_without_messages_is_an_empty_page(analyst: Agent) -> None:
    conversation = ConversationFactory()

    page = conversation_messages(actor=analyst, conversation_id=conversation.pk)

    assert (list(page.items), page.next_cursor) == ([], None)


def test_message_get_is_scoped_to_its_conversation(
    open_conversation: Opener, analyst: Agent,
) -> None:
    one = open_conversation()
    other = open_conversation()
    message = one.messages.get()

    assert message_get(actor=analyst, conversation_id=one.pk, message_id=message.pk) == message
    with pytest.raises(NotFound) as caught:
        message_get(actor=analyst, conversation_id=other.pk, message_id=message.pk)
    assert caught.value.code == "message_not_found"


# --- timeline ------------------------------------------------------------------------------


def test_timeline_newest_first_in_pages(
    open_conversation: Opener, agent: Agent, analyst: Agent,
) -> None:
    conversation = open_conversation()
    message_add(actor=agent, conversation=conversation, text=FA_REPLY)
    conversation_set_status(actor=agent, conversation=conversation, status="solved")

    first = conversation_timeline(actor=analyst, conversation_id=conversation.pk, limit=2)
    second = conversation_timeline(actor=analyst, conversation_id=conversation.pk,
                                   cursor=first.next_cursor, limit=2)

    assert [e.verb for e in [*first.items, *second.items]] == [
        "conversation.status_changed", "conversation.status_changed", "message.added",
        "conversation.created"]
    assert second.next_cursor is None


def test_timeline_of_an_unknown_conversation(analyst: Agent) -> None:
    with pytest.raises(NotFound):
        conversation_timeline(actor=analyst, conversation_id=-1)


# --- per customer --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 20])
def test_list_for_customer_pages_with_one_query(
    team: Team, agent: Agent, size: int, django_assert_num_queries: Any,
) -> None:
    customer = CustomerFactory()
    rows = ConversationFactory.create_batch(size, customer=customer, team=team, assignee=agent)
    ConversationFactory.create_batch(3)

    with django_assert_num_queries(1):
        page = conversation_list_for_customer(customer_id=customer.pk, cursor=None, limit=25)
        names = {(c.team.name, c.assignee.username) for c in page.items}

    assert ids(page.items) == ids(sorted(rows, key=lambda r: (r.created_at, r.pk), reverse=True))
    assert names == {("پشتیبانی فارسی", "agent")}


def test_counts_for_customer(django_assert_num_queries: Any, db: None) -> None:
    customer = CustomerFactory()
    ConversationFactory.create_batch(2, customer=customer, status="open", channel="email")
    ConversationFactory.create_batch(1, customer=customer, status="solved", channel="email")
    ConversationFactory.create_batch(3, customer=customer, status="open", channel="whatsapp")
    ConversationFactory.create_batch(4, status="new", channel="sms")

    with django_assert_num_queries(1):
        counts = conversation_counts_for_customer(customer_id=customer.pk)

    assert counts == {"by_status": {"open": 5, "solved": 1},
                      "by_channel": {"email": 3, "whatsapp": 3}}


def test_message_factory_rows_page_in_order(analyst: Agent) -> None:
    conversation = ConversationFactory()
    messages = MessageFactory.create_batch(3, conversation=conversation)

    page = conversation_messages(actor=analyst, conversation_id=conversation.pk)

    assert ids(page.items) == ids(messages)
