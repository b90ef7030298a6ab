"""The inbox: named views over the conversation list, filters, keyset pagination.

Views map to conversation_list filters (permissions are checked there); the page itself is
server-rendered and bookmarkable (every choice is in the query string)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Channel, Priority, Status
from mehvar.conversations.selectors import conversation_list
from mehvar.core.errors import DomainError, Invalid

ACTIVE: list[str] = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]


@dataclass(frozen=True)
class InboxView:
    key: str
    label: Any  # a lazy translation
    statuses: Sequence[str]
    mine: bool = False
    unassigned: bool = False


VIEWS = [
    InboxView("mine", _("Mine"), ACTIVE, mine=True),
    InboxView("unassigned", _("Unassigned"), ACTIVE, unassigned=True),
    InboxView("open", _("All open"), [Status.NEW, Status.OPEN]),
    InboxView("pending", _("Pending"), [Status.PENDING]),
    InboxView("on_hold", _("On hold"), [Status.ON_HOLD]),
    InboxView("solved", _("Solved"), [Status.SOLVED]),
]
VIEWS_BY_KEY = {view.key: view for view in VIEWS}
FILTERS = {"channel": Channel, "priority": Priority}


def _filters(query: QueryDict) -> dict[str, str]:
    """The chosen filters, or ValueError naming the first unknown value."""
    chosen: dict[str, str] = {}
    for name, choices in FILTERS.items():
        value = query.get(name, "")
        if value:
            if value not in choices.values:
                raise ValueError(name)
            chosen[name] = value
    language = query.get("language", "")[:16]
    if language:
        chosen["language"] = language
    return chosen


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    view = VIEWS_BY_KEY.get(request.GET.get("view", "mine"))
    context: dict[str, Any] = {"views": VIEWS, "channels": Channel.choices,
                               "priorities": Priority.choices, "query": request.GET}
    if view is None:
        return render(request, "web/inbox.html", {
            **context, "error": _("There is no such inbox view.")}, status=400)
    context["view"] = view
    try:
        filters = _filters(request.GET)
    except ValueError:
        return render(request, "web/inbox.html", {
            **context, "error": _("That filter value is not one of the choices.")}, status=400)
    try:
        page = conversation_list(
            actor=request.user, status=view.statuses, unassigned=view.unassigned,
            assignee_id=request.user.pk if view.mine else None,
            channel=filters.get("channel"), priority=filters.get("priority"),
            language=filters.get("language"), cursor=request.GET.get("cursor") or None,
            limit=25)
    except DomainError as error:
        status = 400 if isinstance(error, Invalid) else error.status  # a bad cursor: 400
        return render(request, "web/inbox.html", {**context, "error": error.detail},
                      status=status)
    next_query = request.GET.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(request, "web/inbox.html", {
        **context, "page": page, "filters": filters,
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
    })
