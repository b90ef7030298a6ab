"""Input and output schemas of the search API, and the mapper from SearchResults."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from mehvar.core.schema import OutSchema
from mehvar.core.text import highlight
from mehvar.search.selectors import SearchResults

SNIPPET_CHARS = 240


class SearchParams(Schema):
    q: Annotated[str, StringConstraints(max_length=1000)] = ""
    kind: Literal["conversations", "messages", "customers"] = "conversations"
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(25, ge=1, le=100)


class SearchItemOut(OutSchema):
    id: int
    kind: Literal["conversation", "message", "customer"]
    title: str = Field(description="The subject (conversation, message) or the name (customer).")
    highlighted: str = Field(description="Escaped HTML of the subject, the message snippet or "
                                         "the name, with the matched words in <mark>.")
    conversation_id: int | None = None
    customer_id: int | None = None
    created_at: datetime | None = None


class SearchOut(OutSchema):
    query: str
    kind: str
    count: int = Field(description="Matches of this kind, at most 100.")
    counts: dict[str, int] = Field(description="Matches of each kind the caller may see, "
                                               "each at most 100.")
    items: list[SearchItemOut]
    next_cursor: str | None


def search_out(results: SearchResults) -> dict[str, Any]:
    query = results.query
    items: list[dict[str, Any]]
    if results.kind == "conversations":
        items = [{"id": row.pk, "kind": "conversation", "title": row.subject,
                  "highlighted": highlight(row.subject, query), "conversation_id": row.pk,
                  "customer_id": row.customer.pk, "created_at": row.created_at}
                 for row in results.page.items]
    elif results.kind == "messages":
        items = [{"id": row.pk, "kind": "message", "title": row.conversation.subject,
                  "highlighted": highlight(row.text, query, max_chars=SNIPPET_CHARS),
                  "conversation_id": row.conversation.pk, "created_at": row.created_at}
                 for row in results.page.items]
    else:
        items = [{"id": row.pk, "kind": "customer", "title": row.name,
                  "highlighted": highlight(row.name, query, anywhere=True),
                  "customer_id": row.pk, "created_at": row.created_at}
                 for row in results.page.items]
    return {"query": query, "kind": results.kind, "count": results.counts.get(results.kind, 0),
            "counts": results.counts, "items": items, "next_cursor": results.page.next_cursor}
