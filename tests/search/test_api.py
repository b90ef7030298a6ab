"""GET /api/v1/search: permission matrix, validation, the whole answer, query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation

Open = Callable[..., Conversation]


def test_anonymous_callers_are_refused(api_as: Callable[..., Any], db: None) -> None:
    response = api_as(None).get("search", q="refund")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("role_fixture", ["analyst", "agent", "supervisor", "admin"])
def test_every_role_may_search(request: pytest.FixtureRequest, api_as: Callable[..., Any],
                               open_conversation: Open, role_fixture: str) -> None:
    conversation = open_conversation("Επιστροφή χρημάτων", "Θέλω επιστροφή")
    who: Agent = request.getfixturevalue(role_fixture)
    response = api_as(who).get("search", q="ΕΠΙΣΤΡΟΦΗ")
    assert response.status_code == 200
    body = response.json()
    created_at = datetime.fromisoformat(body["items"][0].pop("created_at"))
    assert abs(created_at - conversation.created_at) < timedelta(milliseconds=1)
    assert body == {
        "query": "ΕΠΙΣΤΡΟΦΗ", "kind": "conversations", "count": 1,
        "counts": {"conversations": 1, "messages": 1, "customers": 0},
        "items": [{
            "id": conversation.pk, "kind": "conversation", "title": "Επιστροφή χρημάτων",
            "highlighted": "<mark>Επιστροφή</mark> χρημάτων",
            "conversation_id": conversation.pk, "customer_id": conversation.customer_id,
        }],
        "next_cursor": None,
    }


def test_messages_come_with_a_snippet(api_as: Callable[..., Any], agent: Agent,
                                      open_conversation: Open) -> None:
    conversation = open_conversation("کد", "<b>کد</b> تأیید نمی‌آید")
    body = api_as(agent).get("search", q="كد تاييد", kind="messages").json()
    assert body["count"] == 1
    assert [(item["conversation_id"], item["highlighted"]) for item in body["items"]] == [
        (conversation.pk, "&lt;b&gt;<mark>کد</mark>&lt;/b&gt; <mark>تأیید</mark> نمی‌آید")]


@pytest.mark.parametrize(("params", "code"), [
    ({"q": ""}, "search_query_empty"),
    ({"q": "α" * 201}, "search_query_too_long"),
    ({"q": "α" * 1001}, "validation_error"),
    ({"q": "refund", "kind": "tickets"}, "validation_error"),
    ({"q": "refund", "limit": 0}, "validation_error"),
    ({"q": "refund", "kind": "messages", "cursor": "-1"}, "invalid_cursor"),
])
def test_bad_input_is_422(api_as: Callable[..., Any], agent: Agent, params: dict[str, Any],
                          code: str) -> None:
    response = api_as(agent).get("search", **params)
    assert response.status_code == 422
    assert response.json()["error"] == code


@pytest.mark.parametrize("size", [1, 4])
def test_query_count_is_constant(api_as: Callable[..., Any], agent: Agent,
                                 open_conversation: Open, size: int,
                                 django_assert_num_queries: Any) -> None:
    client = api_as(agent)
    client.get("search", q="refund")  # the token's first use writes last_used_at
    for n in range(size):
        open_conversation(f"Refund {n}", "please")
    with django_assert_num_queries(11):  # the token 1, search 10 (test_selectors)
        response = client.get("search", q="refund")
    assert len(response.json()["items"]) == size
