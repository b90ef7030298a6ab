"""REST API of global search: one read-only operation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from mehvar.search.schemas import SearchOut, SearchParams, search_out
from mehvar.search.selectors import search

router = Router(tags=["search"])


@router.get("/search", response=SearchOut, operation_id="search")
def search_endpoint(request: HttpRequest, params: Query[SearchParams]) -> Any:
    """Conversations, messages or customers matching `q`, newest first, with counts per kind.

    Letters are compared after normalisation (Arabic/Persian letter variants, diacritics,
    tatweel, zero-width joiners, Greek accents, case); each word matches the start of a word
    (customers: anywhere in the name, or exactly an identity)."""
    results = search(actor=request.auth, q=params.q, kind=params.kind,  # type: ignore[attr-defined]
                     cursor=params.cursor, limit=params.limit)
    return search_out(results)
