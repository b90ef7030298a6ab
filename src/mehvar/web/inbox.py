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
from mehvar.conversations.models import Channel, Conversation, Priority, Status
from mehvar.conversations.selectors import conversation_count, conversation_list
from mehvar.core.errors import DomainError, Invalid

ACTIVE: list[str] = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]


@dataclass(frozen=True)
class InboxView:
    key: str
    label: Any  # a lazy translation
    statuses: Sequence[str]
    mine: bool = False
    unassigned: bool = False
    my_teams: bool = False

    def filters(self, agent: Agent, team_ids: list[int]) -> dict[str, Any]:
        """This view's conversation_list / conversation_count arguments for this agent."""
        return {"status": self.statuses, "unassigned": self.unassigned,
                "assignee_id": agent.pk if self.mine else None,
                "team_ids": team_ids if self.my_teams else None}


VIEWS = [
    InboxView("mine", _("Mine"), ACTIVE, mine=True),
    InboxView("unassigned", _("Unassigned"), ACTIVE, unassigned=True),
    InboxView("teams", _("My teams"), ACTIVE, my_teams=True),
    InboxView("open", _("All open"), [Status.NEW, Status.OPEN]),
    InboxView("pending", _("Pending"), [Status.PENDING]),
    InboxView("on_hold", _("On hold"), [Status.ON_HOLD]),
    InboxView("solved", _("Solved"), [Status.SOLVED]),
]
VIEWS_BY_KEY = {view.key: view for view in VIEWS}
FILTERS = {"channel": Channel, "priority": Priority}
COUNT_CAP = 1000  # counts above are shown as "999+"


def _rows(conversations: Sequence[Conversation]) -> list[dict[str, Any]]:
    """What each table row shows, with the choice labels looked up once per page
    (Model.get_FOO_display rebuilds the choices dict on every call)."""
    status, priority, channel = (dict(Status.choices), dict(Priority.choices),
                                 dict(Channel.choices))
    return [{
        "subject": conversation.subject,
        "tags": conversation.tag_names,
        "customer": conversation.customer.name,
        "status": status.get(conversation.status, conversation.status),
        "priority": priority.get(conversation.priority, conversation.priority),
        "channel": channel.get(conversation.channel, conversation.channel),
        "assignee": conversation.assignee.name if conversation.assignee else "",
        "last_message_at": conversation.last_message_at,
    } for conversation in conversations]


def _filters(query: QueryDict) -> dict[str, str]:
    """The chosen filters; Invalid for a value that is not one of the choices."""
    chosen: dict[str, str] = {}
    for name, choices in FILTERS.items():
        value = query.get(name, "")
        if value:
            if value not in choices.values:
                raise Invalid("inbox_filter_invalid",
                              _("That filter value is not one of the choices."), field=name)
            chosen[name] = value
    language = query.get("language", "")[:16]
    if language:
        chosen["language"] = language
    return chosen


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    view = VIEWS_BY_KEY.get(request.GET.get("view", "mine"))
    context: dict[str, Any] = {"tabs": [(item, None) for item in VIEWS],
                               "channels": Channel.choices, "priorities": Priority.choices,
                               "query": request.GET}
    try:
        if view is None:
            raise Invalid("inbox_view_invalid", _("There is no such inbox view."))
        context["view"] = view
        filters = _filters(request.GET)
        team_ids = list(request.user.teams.values_list("id", flat=True))
        page = conversation_list(
            actor=request.user, **view.filters(request.user, team_ids),
            channel=filters.get("channel"), priority=filters.get("priority"),
            language=filters.get("language"), cursor=request.GET.get("cursor") or None,
            limit=25)
    except DomainError as error:
        # Bad input on a page (view, filter, cursor) is a 400 there, not the API's 422.
        status = 400 if isinstance(error, Invalid) else error.status
        return render(request, "web/inbox.html", {**context, "error": error.detail},
                      status=status)
    # Each view's count under the same filters: one bounded index scan per view.
    counts = {item.key: conversation_count(actor=request.user, cap=COUNT_CAP,
                                           **item.filters(request.user, team_ids), **filters)
              for item in VIEWS}
    next_query = request.GET.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(request, "web/inbox.html", {
        **context, "page": page, "rows": _rows(page.items), "filters": filters,
        "cap": COUNT_CAP,
        "tabs": [(item, counts[item.key]) for item in VIEWS],
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
    })
