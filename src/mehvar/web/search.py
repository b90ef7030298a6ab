"""The global search page: /search?q=...&kind=conversations|messages|customers.

The search itself (normalisation, permissions, counts) is mehvar.search.selectors.search;
this view renders one page of one kind with highlighted, escaped, bidi-isolated rows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent
from mehvar.conversations.models import AuthorKind, Channel, Status
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.text import highlight
from mehvar.search.selectors import COUNT_CAP, KINDS, SearchResults, search

SNIPPET_CHARS = 240
KIND_LABELS = {"conversations": _("Conversations"), "messages": _("Messages"),
               "customers": _("Customers")}


def _rows(results: SearchResults) -> list[dict[str, Any]]:
    """What each result shows: highlighted (escaped) text and the ids for its link."""
    query = results.query
    if results.kind == "conversations":
        status, channel = dict(Status.choices), dict(Channel.choices)
        return [{
            "id": row.pk, "subject": highlight(row.subject, query),
            "customer": row.customer.name, "customer_id": row.customer.pk,
            "status": status.get(row.status, row.status),
            "channel": channel.get(row.channel, row.channel), "at": row.created_at,
        } for row in results.page.items]
    if results.kind == "messages":
        authors = dict(AuthorKind.choices)
        return [{
            "id": row.pk, "conversation_id": row.conversation.pk,
            "subject": row.conversation.subject,
            "snippet": highlight(row.text, query, max_chars=SNIPPET_CHARS),
            "author": authors.get(row.author_kind, row.author_kind),
            "is_internal": row.is_internal, "at": row.created_at,
        } for row in results.page.items]
    return [{
        "id": row.pk, "name": highlight(row.name, query, anywhere=True),
        "identities": [identity.value for identity in row.identities.all()][:3],
        "organization": row.organization.name if row.organization else "",
    } for row in results.page.items]


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "conversations")
    context: dict[str, Any] = {"q": q[:1000], "kind": kind, "cap": COUNT_CAP,
                               "kinds": [(key, KIND_LABELS[key]) for key in KINDS]}
    if "q" not in request.GET:  # the bare page: a prompt, not an error
        return render(request, "web/search.html", context)
    try:
        results = search(actor=request.user, q=q, kind=kind,
                         cursor=request.GET.get("cursor") or None, limit=25)
    except DomainError as error:
        # Bad input on a page is a 400 there, not the API's 422.
        status = 400 if isinstance(error, Invalid) else error.status
        return render(request, "web/search.html", {**context, "error": error.detail},
                      status=status)
    next_query = request.GET.copy()
    if results.page.next_cursor:
        next_query["cursor"] = results.page.next_cursor
    return render(request, "web/search.html", {
        **context, "results": results, "rows": _rows(results),
        "tabs": [(key, KIND_LABELS[key], results.counts.get(key)) for key in KINDS
                 if key in results.counts],
        "next_url": f"?{next_query.urlencode()}" if results.page.next_cursor else "",
    })
