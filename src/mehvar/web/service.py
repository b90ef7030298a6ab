"""Service levels on the conversation page: the hand-off note first, SLA targets with their
due times, the customer's waiting, the routing decision, hand-off and internal request forms;
and the agent's availability in the header."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.models import Conversation, Status
from mehvar.conversations.selectors import conversation_get
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.models import TimelineEvent
from mehvar.core.permissions import can
from mehvar.service_levels.models import SlaState
from mehvar.service_levels.selectors import alert_page, conversation_service
from mehvar.service_levels.services.assignment import agent_set_availability
from mehvar.service_levels.services.clocks import sla_alerts_mark_read
from mehvar.service_levels.services.escalation import conversation_hand_off
from mehvar.service_levels.services.requests import internal_request_create
from mehvar.service_levels.sla import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION

TARGET_LABELS = {FIRST_RESPONSE: _("First response"), NEXT_RESPONSE: _("Next response"),
                 RESOLUTION: _("Resolution")}


def service_context(agent: Agent, conversation: Conversation,
                    teams: Sequence[Team]) -> dict[str, Any]:
    """What the page's service panel and hand-off banner show (3 queries); `teams` are the
    team choices the page has already loaded."""
    service = conversation_service(actor=agent, conversation_id=conversation.pk)
    state = service.state
    targets = []
    if state is not None and state.policy_id is not None:
        breached = {key.split("@")[0] for key in state.breached}
        for target, label in TARGET_LABELS.items():
            due = getattr(state, f"{target}_due")
            if due is not None or target in breached:
                targets.append({"label": label, "due": due, "breached": target in breached})
    open_conversation = conversation.status != Status.CLOSED
    return {
        "service": service, "sla_state": state.state if state else SlaState.NONE,
        "sla_label": dict(SlaState.choices).get(state.state, "") if state else "",
        "sla_targets": targets,
        "may_hand_off": can(agent, "conversation.escalate") and open_conversation,
        "may_request": can(agent, "internal_request.create"),
        "hand_off_teams": [team for team in teams if team.pk != conversation.team_id],
    }


def _page(conversation_id: int) -> str:
    return reverse("conversation", args=[conversation_id])


def _failed(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 400 if isinstance(error, Invalid) else error.status
    return render(request, "web/conversation_error.html", {"error": error.detail},
                  status=status)


@login_required
@require_POST
def hand_off(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Escalate or refer to another team with the note the next agent reads first."""
    agent = request.user
    assert isinstance(agent, Agent)
    try:
        conversation_get(actor=agent, conversation_id=conversation_id)
        team = request.POST.get("team", "")
        if not team.isdigit() or len(team) > 18:
            raise Invalid("team_invalid", _("Choose a team."), field="team")
        conversation_hand_off(actor=agent, conversation_id=conversation_id,
                              team_id=int(team), note=request.POST.get("note", "")[:6000],
                              escalate=request.POST.get("kind", "escalate") != "refer")
    except DomainError as error:
        return _failed(request, error)
    return HttpResponseRedirect(_page(conversation_id))


@login_required
@require_POST
def internal_request(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Ask another team on the customer's behalf, linked to this conversation."""
    agent = request.user
    assert isinstance(agent, Agent)
    try:
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
        team = request.POST.get("team", "")
        if not team.isdigit() or len(team) > 18:
            raise Invalid("team_invalid", _("Choose a team."), field="team")
        internal_request_create(
            actor=agent, to_team_id=int(team), title=request.POST.get("title", "")[:300],
            details=request.POST.get("details", "")[:10_000],
            due_at=_local_due(request.POST.get("due", "")), conversation_id=conversation.pk,
            from_team_id=conversation.team_id)
    except DomainError as error:
        return _failed(request, error)
    return HttpResponseRedirect(_page(conversation_id))


def _local_due(raw: str) -> datetime | None:
    """A datetime-local input in the agent's time zone; empty means no due time."""
    if not raw.strip():
        return None
    parsed = parse_datetime(raw.strip()[:32])
    if parsed is None:
        raise Invalid("due_invalid", _("Give the due time as a date and time."), field="due")
    return parsed if parsed.tzinfo else make_aware(parsed, get_current_timezone())


@login_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    """The header's availability switch: online, away or offline."""
    agent = request.user
    assert isinstance(agent, Agent)
    try:
        agent_set_availability(actor=agent, agent_id=agent.pk,
                               availability=request.POST.get("availability", "")[:16])
    except DomainError as error:
        return _failed(request, error)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return HttpResponseRedirect(back if back and safe else reverse("inbox"))


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    """The agent's SLA warnings and breaches, newest first; showing a page marks it read."""
    agent = request.user
    assert isinstance(agent, Agent)
    try:
        page = alert_page(actor=agent, cursor=request.GET.get("cursor") or None, limit=50)
    except DomainError as error:
        return _failed(request, error)
    unread = {alert.pk for alert in page.items if alert.read_at is None}
    sla_alerts_mark_read(actor=agent, alert_ids=sorted(unread))
    return render(request, "web/alerts.html", {
        "alerts": page.items, "unread": unread, "targets": TARGET_LABELS,
        "next_url": f"?cursor={page.next_cursor}" if page.next_cursor else ""})


def service_event_line(event: TimelineEvent, agent: Callable[[Any], str],
                       team: Callable[[Any], str]) -> str | None:
    """One line for a service-level or survey event in the thread, or None."""
    after = event.after or {}
    target = str(TARGET_LABELS.get(str(after.get("target")), after.get("target", "")))
    lines: dict[str, Callable[[], Any]] = {
        "conversation.routed": lambda: _("Routed by the rule “%(rule)s”") % {
            "rule": after.get("rule_name", "")},
        "conversation.auto_assigned": lambda: _("Assigned automatically to %(agent)s") % {
            "agent": agent(after.get("assignee_id"))},
        "conversation.handed_back": lambda: _("Handed back to the team: %(agent)s is away") % {
            "agent": agent(after.get("agent_id"))},
        "conversation.escalated": lambda: _("Escalated to %(team)s (level %(level)s)") % {
            "team": team(after.get("team_id")), "level": after.get("level", "")},
        "conversation.referred": lambda: _("Referred to %(team)s") % {
            "team": team(after.get("team_id"))},
        "sla.at_risk": lambda: _("SLA at risk: %(target)s") % {"target": target},
        "sla.breached": lambda: _("SLA breached: %(target)s") % {"target": target},
        "survey.sent": lambda: _("Survey sent to the customer"),
        "survey.answered": lambda: _("The customer answered the survey: %(score)s") % {
            "score": after.get("score", "")},
        "survey.answer_changed": lambda: _("The customer changed the survey answer: "
                                           "%(score)s") % {"score": after.get("score", "")},
        "internal_request.created": lambda: _("Internal request: %(title)s") % {
            "title": after.get("title", "")},
        "internal_request.finished": lambda: _("Internal request finished"),
        "complaint.raised": lambda: _("Complaint raised"),
        "complaint.resolved": lambda: _("Complaint resolved"),
        "complaint.escalated": lambda: _("Complaint escalated to the team lead"),
    }
    line = lines.get(event.verb)
    return str(line()) if line else None
