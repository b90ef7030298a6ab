"""The inbox: named views over the conversation list, filters, sort, keyset pagination and
live updates.

Views map to conversation_list filters (permissions are checked there); the page itself is
server-rendered and bookmarkable (every choice is in the query string). The conversation page
reads the same query string (its `inbox` parameter) to step to the next and previous
conversation of the list the agent came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent
from mehvar.accounts.selectors import team_choices
from mehvar.conversations.models import Channel, Conversation, Priority, Status
from mehvar.conversations.selectors import (
    SORTS,
    conversation_counts,
    conversation_list,
    inbox_last_event_id,
)
from mehvar.core import digits
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.permissions import can
from mehvar.intelligence.models import RiskLevel, Sentiment
from mehvar.intelligence.selectors import (
    conversation_ids_with,
    conversation_insights,
    intent_list,
)
from mehvar.service_levels.models import Availability, SlaState
from mehvar.service_levels.selectors import agent_header, sla_states_for

ACTIVE: list[str] = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]


@dataclass(frozen=True)
class InboxView:
    key: str
    label: Any  # a lazy translation
    statuses: Sequence[str]
    mine: bool = False
    unassigned: bool = False
    my_teams: bool = False
    mentions: bool = False

    def filters(self, agent: Agent, team_ids: list[int]) -> dict[str, Any]:
        """This view's conversation_list / conversation_counts arguments for this agent."""
        return {"status": self.statuses, "unassigned": self.unassigned,
                "assignee_id": agent.pk if self.mine else None,
                "team_ids": team_ids if self.my_teams else None,
                "mentioned_agent_id": agent.pk if self.mentions else None}


VIEWS = [
    InboxView("mine", _("Mine"), ACTIVE, mine=True),
    InboxView("unassigned", _("Unassigned"), ACTIVE, unassigned=True),
    InboxView("teams", _("My teams"), ACTIVE, my_teams=True),
    InboxView("mentions", _("Mentions"), ACTIVE, mentions=True),
    InboxView("open", _("All open"), [Status.NEW, Status.OPEN]),
    InboxView("pending", _("Pending"), [Status.PENDING]),
    InboxView("on_hold", _("On hold"), [Status.ON_HOLD]),
    InboxView("solved", _("Solved"), [Status.SOLVED]),
]
VIEWS_BY_KEY = {view.key: view for view in VIEWS}
CHOICE_FILTERS = {"channel": Channel, "priority": Priority}
SORT_LABELS = {"newest": _("Newest first"), "oldest": _("Oldest first"),
               "updated": _("Latest activity")}
COUNT_CAP = 1000  # counts above are shown as "999+"
PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxQuery:
    """The inbox choices read from a query string: view, filters, sort."""

    view: InboxView
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = "newest"
    # sentiment, intent, risk_level: what the intelligence models found
    insight: dict[str, str] = field(default_factory=dict)

    def list_filters(self, agent: Agent, team_ids: list[int]) -> dict[str, Any]:
        chosen = {**self.view.filters(agent, team_ids), **self.filters}
        if self.insight:
            chosen["ids_in"] = conversation_ids_with(actor=agent, **self.insight)
        return chosen


def inbox_query(query: QueryDict) -> InboxQuery:
    """Parse the inbox's query string; Invalid for an unknown view, filter value or sort."""
    view = VIEWS_BY_KEY.get(query.get("view") or "mine")
    if view is None:
        raise Invalid("inbox_view_invalid", _("There is no such inbox view."), field="view")
    chosen: dict[str, Any] = {}
    for name, choices in CHOICE_FILTERS.items():
        value = query.get(name, "")
        if value:
            if value not in choices.values:
                raise Invalid("inbox_filter_invalid",
                              _("That filter value is not one of the choices."), field=name)
            chosen[name] = value
    for name in ("language", "tag"):
        value = query.get(name, "").strip()[:100]
        if value:
            chosen[name] = value
    team = query.get("team", "")
    if team:
        if not team.isdigit() or len(team) > 18:
            raise Invalid("inbox_filter_invalid",
                          _("That filter value is not one of the choices."), field="team")
        chosen["team_id"] = int(team)
    sort = query.get("sort") or "newest"
    if sort not in SORTS:
        raise Invalid("inbox_sort_invalid", _("There is no such sort order."), field="sort")
    return InboxQuery(view=view, filters=chosen, sort=sort, insight=_insight_filters(query))


def _insight_filters(query: QueryDict) -> dict[str, str]:
    insight: dict[str, str] = {}
    for name, choices in (("sentiment", Sentiment), ("risk_level", RiskLevel)):
        value = query.get(name, "")
        if value:
            if value not in choices.values:
                raise Invalid("inbox_filter_invalid",
                              _("That filter value is not one of the choices."), field=name)
            insight[name] = value
    intent = query.get("intent", "").strip()[:64]
    if intent:
        insight["intent"] = intent
    return insight


def _rows(agent: Agent, conversations: Sequence[Conversation],
          inbox_query: str) -> list[dict[str, Any]]:
    """What each table row shows, prepared once per page: choice labels from dicts built once
    (Model.get_FOO_display rebuilds them on every call), the link and the local time as text
    (template filters per cell were a third of the page's rendering time). The SLA badge's
    state and next deadline come from service levels in one query for the page, the mood and
    risk badges from intelligence in one more."""
    status, priority, channel = (dict(Status.choices), dict(Priority.choices),
                                 dict(Channel.choices))
    sla_labels = dict(SlaState.choices)
    ids = [conversation.pk for conversation in conversations]
    states = sla_states_for(conversation_ids=ids)
    insights = conversation_insights(actor=agent, conversation_ids=ids) if ids else {}
    moods, risks = dict(Sentiment.choices), dict(RiskLevel.choices)
    back = urlencode({"inbox": inbox_query})
    return [{
        **_sla(states.get(conversation.pk), sla_labels),
        **_mood(insights.get(conversation.pk), moods, risks),
        "href": f"/conversations/{conversation.pk}?{back}",
        "subject": conversation.subject,
        "tags": conversation.tag_names,
        "customer": conversation.customer.name,
        "status": status.get(conversation.status, conversation.status),
        "priority": priority.get(conversation.priority, conversation.priority),
        "priority_key": conversation.priority,
        "channel": channel.get(conversation.channel, conversation.channel),
        "assignee": conversation.assignee.name if conversation.assignee else "",
        "last_message_at": conversation.last_message_at,
        "last_message_text": _local(conversation.last_message_at),
    } for conversation in conversations]


def _mood(insight: Any, moods: dict[str, Any], risks: dict[str, Any]) -> dict[str, Any]:
    if insight is None:
        return {"mood": "", "risk": ""}
    return {"mood": insight.sentiment, "mood_label": moods.get(insight.sentiment, ""),
            "risk": insight.risk_level, "risk_label": risks.get(insight.risk_level, "")}


def _sla(state: Any, labels: dict[str, Any]) -> dict[str, Any]:
    if state is None or state.state == SlaState.NONE:
        return {"sla": ""}
    due = state.deadline
    if state.state == SlaState.BREACHED and due is None:
        due = min((moment for moment in (state.first_response_due, state.next_response_due,
                                         state.resolution_due) if moment), default=None)
    return {"sla": state.state, "sla_label": labels.get(state.state, state.state),
            "sla_due": due, "sla_due_text": _local(due)}


def _local(moment: datetime | None) -> str:
    """Year-month-day hour:minute in the agent's time zone and digits."""
    return digits.localize(localtime(moment).strftime("%Y-%m-%d %H:%M")) if moment else ""


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The page; `?fragment=list` renders only the list (the live update reloads it),
    `?fragment=tabs` only the views with their counts (loaded just after the page, so that
    the list never waits for eight counts)."""
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    agent = request.user
    fragment = request.GET.get("fragment", "")
    context: dict[str, Any] = {"tabs": [(item, None) for item in VIEWS],
                               "channels": Channel.choices, "priorities": Priority.choices,
                               "sorts": SORT_LABELS.items(), "query": request.GET,
                               "sentiments": Sentiment.choices, "risk_levels": RiskLevel.choices}
    try:
        chosen = inbox_query(request.GET)
        context["view"] = chosen.view
        team_ids = list(agent.teams.values_list("id", flat=True))
        if fragment == "tabs":
            return _tabs(request, agent, chosen, team_ids)
        context["teams"] = team_choices(actor=agent)
        context["intents"] = intent_list(actor=agent, active_only=True)
        cursor = request.GET.get("cursor") or None
        page = conversation_list(actor=agent, cursor=cursor, limit=PAGE_SIZE,
                                 sort=chosen.sort, **chosen.list_filters(agent, team_ids))
    except DomainError as error:
        # Bad input on a page (view, filter, cursor) is a 400 there, not the API's 422.
        status = 400 if isinstance(error, Invalid) else error.status
        return render(request, "web/inbox.html", {**context, "error": error.detail},
                      status=status)
    list_query = request.GET.copy()
    list_query.pop("fragment", None)
    list_query.pop("cursor", None)
    list_query.setdefault("view", chosen.view.key)  # the conversation page steps through it
    next_query = list_query.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    template = "web/inbox.html#list" if fragment == "list" else "web/inbox.html"
    if fragment != "list" and can(agent, "agent.availability"):
        header = agent_header(actor=agent)
        context["availability"] = header.availability
        context["unread_alerts"] = header.unread_alerts
        context["availability_choices"] = Availability.choices
    return render(request, template, {
        **context, "page": page, "rows": _rows(agent, page.items, list_query.urlencode()),
        "filters": chosen.filters,
        "inbox_query": list_query.urlencode(),
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
        # Live updates only on the first page: older pages stay put while read.
        "live": cursor is None, "last_event_id": inbox_last_event_id(actor=agent),
    })


def _tabs(request: HttpRequest, agent: Agent, chosen: InboxQuery,
          team_ids: list[int]) -> HttpResponse:
    """Each view's count under the current filters: one bounded index scan per view, all in
    one round trip."""
    insight = ({"ids_in": conversation_ids_with(actor=agent, **chosen.insight)}
               if chosen.insight else {})
    counts = conversation_counts(actor=agent, cap=COUNT_CAP, views={
        item.key: {**item.filters(agent, team_ids), **chosen.filters, **insight}
        for item in VIEWS})
    return render(request, "web/inbox.html#tabs", {
        "view": chosen.view, "cap": COUNT_CAP, "counted": True,
        "tabs": [(item, counts[item.key]) for item in VIEWS]})


@login_required
def inbox_poll(request: HttpRequest) -> HttpResponse:
    """Live updates: 204 while nothing changed since `after` (the latest timeline event id the
    page knows); otherwise 200 with a fresh poller and the `inbox-changed` event, on which the
    list reloads itself. One primary-key lookup per poll."""
    assert isinstance(request.user, Agent)
    after = request.GET.get("after", "")
    latest = inbox_last_event_id(actor=request.user)
    if after.isdigit() and int(after) >= latest:
        return HttpResponse(status=204)
    response = render(request, "web/inbox.html#poller", {"last_event_id": latest})
    response["HX-Trigger"] = "inbox-changed"
    return response
