"""Global search across conversations, messages and customers.

One query is normalised once (core.text.normalize_text, as the indexes were) and sent to each
context's own search selector; this module validates the input, checks which kinds the actor
may see, and returns one page of the chosen kind with a bounded count for every kind.

Query budget (tests/search/test_selectors.py), in the common case: the counts of each kind
the actor may see (conversations 3, messages 2, customers 1), plus the page (conversations 4,
messages 3, customers 2); conversations.search explains when one or two more run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from mehvar.conversations.search import (
    conversation_search,
    conversation_search_count,
    message_search,
    message_search_count,
)
from mehvar.core.errors import Invalid
from mehvar.core.fulltext import query_terms
from mehvar.core.pagination import Page
from mehvar.core.permissions import Actor, can, require
from mehvar.customers.selectors import customer_count, customer_list
from mehvar.search.errors import SearchErrorCode as Code

KINDS = ("conversations", "messages", "customers")
PERMISSION = {"conversations": "conversation.view", "messages": "conversation.view",
              "customers": "customer.view"}
MAX_QUERY_LENGTH = 200
COUNT_CAP = 100  # counts above are shown as "99+"


@dataclass(frozen=True)
class SearchResults:
    query: str
    kind: str
    terms: list[str]
    counts: dict[str, int]  # per kind the actor may see, at most COUNT_CAP
    page: Page[Any]


def clean_query(q: str | None) -> tuple[str, list[str]]:
    """The stripped query and its normalised words; Invalid when it is empty, too long, or
    has no letter or digit to search for."""
    query = (q or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise Invalid(Code.QUERY_TOO_LONG,
                      _("The search is too long: use at most %(limit)d characters.")
                      % {"limit": MAX_QUERY_LENGTH}, field="q")
    terms = query_terms(query)
    if not terms:
        raise Invalid(Code.QUERY_EMPTY, _("Type a word to search for."), field="q")
    return query, terms


def search(
    *, actor: Actor, q: str | None, kind: str = "conversations", cursor: str | None = None,
    limit: int = 25,
) -> SearchResults:
    """One page of `kind` matching `q` (newest first) and a count for every kind.

    Conversations match by subject or any message, messages by text (every query word as a
    word prefix); customers by name (normalised, anywhere in it) or exactly by any identity."""
    if kind not in KINDS:
        raise Invalid(Code.KIND_INVALID, _("Search conversations, messages or customers."),
                      field="kind")
    require(actor, PERMISSION[kind])
    query, terms = clean_query(q)
    counts: dict[str, int] = {}
    for each in KINDS:
        if can(actor, PERMISSION[each]):
            counts[each] = _count(actor, each, query, terms)
    page: Page[Any]
    if kind == "conversations":
        page = conversation_search(actor=actor, terms=terms, cursor=cursor, limit=limit)
    elif kind == "messages":
        page = message_search(actor=actor, terms=terms, cursor=cursor, limit=limit)
    else:
        page = customer_list(actor=actor, q=query, cursor=cursor, limit=limit)
    return SearchResults(query=query, kind=kind, terms=terms, counts=counts, page=page)


def _count(actor: Actor, kind: str, query: str, terms: list[str]) -> int:
    if kind == "conversations":
        return conversation_search_count(actor=actor, terms=terms, cap=COUNT_CAP)
    if kind == "messages":
        return message_search_count(actor=actor, terms=terms, cap=COUNT_CAP)
    return customer_count(actor=actor, q=query, cap=COUNT_CAP)
