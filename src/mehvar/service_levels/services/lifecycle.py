"""The conversations lifecycle hook: a new conversation is routed, assigned and given its SLA
clocks; every later message and status change moves the clocks and the customer's waiting.

Runs inside the transaction that stores the change, with the conversation row locked, so the
clocks never disagree with the conversation."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import datetime
from typing import Any

from mehvar.accounts.selectors import team_lead_id
from mehvar.conversations.lifecycle import ConversationChange, Happening
from mehvar.conversations.services.routing import conversation_place
from mehvar.core import rawrow
from mehvar.customers.selectors import segments_for_customer
from mehvar.service_levels.business_time import is_open
from mehvar.service_levels.calendars import schedule_of
from mehvar.service_levels.config_cache import ServiceConfig, config_key_sql, service_config
from mehvar.service_levels.models import BusinessCalendar, RoutingRule, ServiceState, SlaPolicy
from mehvar.service_levels.routing import RoutingFacts, decide, routing_text
from mehvar.service_levels.services.assignment import auto_assign
from mehvar.service_levels.services.clocks import (
    calendar_for,
    outcome_record,
    pause,
    policy_for,
    resume,
    schedule_for,
    state_write,
    waiting_stop,
)
from mehvar.service_levels.sla import Outcome, evaluate, next_response_met

PAUSED_STATUSES = ("pending", "on_hold")

DONE_STATUSES = ("solved", "closed")


def on_conversation_change(change: ConversationChange) -> None:
    conversation = change.conversation
    unchanged = False
    if change.happening == Happening.OPENED:
        config = service_config()
        rule_id = None
        if not change.by_agent:
            rule_id = route(change, config)
            if conversation.team_id is not None and conversation.assignee_id is None:
                auto_assign(conversation, locked=True)
        state = new_state(started_at=change.at, by_agent=change.by_agent, rule_id=rule_id,
                          conversation=conversation)
        choose_policy(state, conversation, config)
        outcome = evaluate(state, state.policy, schedule_for(state), change.at)
    else:
        state = _state(change)
        stored = None if state._state.adding else _columns(state)
        if change.happening in {Happening.PRIORITY_CHANGED, Happening.ASSIGNED}:
            choose_policy(state, conversation, service_config())
        outcome = step(state, change.happening, conversation.status, change.at)
        # e.g. a customer's second message while waiting on us: nothing moved, no write
        unchanged = stored is not None and stored == _columns(state)
    if not unchanged:
        state_write(state, insert=state._state.adding)
    if outcome.breached or outcome.warned:
        outcome_record(state, outcome, customer_id=conversation.customer_id,
                       assignee_id=conversation.assignee_id,
                       lead_id=team_lead_id(team_id=conversation.team_id), now=change.at)


def step(state: ServiceState, happening: str, status: str, at: datetime) -> Outcome:
    """One event on the clocks: what was due before it is judged first (a reply after the
    deadline is a breach even if no tick ran in between), then the event moves the clocks."""
    schedule = schedule_for(state)
    outcome = evaluate(state, state.policy, schedule, at)
    move(state, happening, status, at)
    outcome.extend(evaluate(state, state.policy, schedule, at))
    return outcome


def route(change: ConversationChange, config: ServiceConfig) -> int | None:
    """Try the active routing rules in order; the first match places the conversation and the
    timeline keeps the rule and the conditions that held."""
    if not config.rules:
        return None
    conversation = change.conversation
    first_text = change.message.text if change.message is not None else ""
    facts = routing_facts(conversation, first_text, change.at, config,
                          intent=str(conversation.custom_fields.get("intent", "")))
    return place_by_rules(conversation, config.rules, facts, verb="conversation.routed")


def routing_facts(conversation: Any, first_text: str, at: datetime, config: ServiceConfig, *,
                  intent: str) -> RoutingFacts:
    customer = conversation.customer
    return RoutingFacts(
        channel=conversation.channel, language=conversation.language,
        text=routing_text(conversation.subject, first_text), tier=customer.tier,
        intent=intent,
        tags=lambda: frozenset(conversation.tags.values_list("name", flat=True)),
        in_segments=lambda ids: _segments_among(customer, ids, at),
        is_open=lambda rule: is_open(schedule_of(config.calendar_of_team(rule.team_id)), at),
    )


def place_by_rules(conversation: Any, rules: Sequence[RoutingRule], facts: RoutingFacts, *,
                   verb: str, unassign: bool = False) -> int | None:
    """Place a locked conversation by the first matching rule; its id, or None."""
    decision = decide(rules, facts)
    if decision.rule is None:
        return None
    rule = decision.rule
    team_id = rule.team_id if rule.team_id is not None else conversation.team_id
    moved = unassign and team_id != conversation.team_id
    conversation_place(
        conversation=conversation, verb=verb, locked=True, team_id=team_id,
        **({"assignee_id": None} if moved else {}),
        priority=rule.priority, add_tags=rule.add_tags, details=decision.details())
    return rule.pk


def active_rules() -> list[RoutingRule]:
    """The active routing rules in order, from this process's copy while it is current."""
    return service_config().rules


def _segments_among(customer: Any, ids: Sequence[int], now: datetime) -> list[int]:
    wanted = set(ids)
    return [segment for segment in segments_for_customer(customer, now=now) if segment in wanted]


def new_state(*, started_at: datetime, by_agent: bool, rule_id: int | None,
              conversation: Any) -> ServiceState:
    state = ServiceState(conversation=conversation, started_at=started_at, routed_by_id=rule_id)
    if by_agent:
        state.first_responded_at = started_at
        pause(state, started_at)  # an agent's first message waits on the customer
    else:
        state.waiting_since = started_at
    return state


def _columns(state: ServiceState) -> list[Any]:
    """The row's values, JSON lists and objects copied (the clocks change them in place)."""
    return [deepcopy(value) if isinstance(value, (list, dict)) else value
            for value in (getattr(state, attname) for attname in _STATE_ATTNAMES)]


def _state(change: ConversationChange) -> ServiceState:
    return state_of(change.conversation)


def state_of(conversation: Any) -> ServiceState:
    """The conversation's state row, or a new one for a conversation older than the clocks.
    Read by hand-written SQL, its policy and calendar taken from the configuration snapshot
    (every message of every conversation passes here; the ORM's select_related cost ten
    times what the database did)."""
    key_sql, key_params = config_key_sql()
    rows = rawrow.fetch_rows(f"SELECT {_STATE_COLUMNS}, {key_sql} {_STATE_FROM}",
                             [*key_params, conversation.pk])
    if not rows:
        state = ServiceState(conversation=conversation, started_at=conversation.created_at,
                             first_responded_at=conversation.first_response_at)
        choose_policy(state, conversation, service_config())
        return state
    width = rawrow.row_width(ServiceState)
    state = rawrow.build(ServiceState, rows[0][:width])
    if state.policy_id is not None or state.calendar_id is not None:
        _attach(state, service_config(rows[0][width:]))
    return state


def _attach(state: ServiceState, config: ServiceConfig) -> None:
    """The state's policy and calendar from the snapshot; one that left it (a policy made
    inactive since) is read from the database."""
    if state.policy_id is not None:
        policy = next((item for item in config.policies if item.pk == state.policy_id), None)
        state.policy = policy or SlaPolicy.objects.filter(pk=state.policy_id).first()
    if state.calendar_id is not None:
        known = [*config.team_calendars.values(), config.default_calendar]
        calendar = next((item for item in known if item and item.pk == state.calendar_id), None)
        state.calendar = (calendar or
                          BusinessCalendar.objects.filter(pk=state.calendar_id).first())


_STATE_COLUMNS = rawrow.columns_sql(ServiceState, "state")
_STATE_ATTNAMES = [field.attname for field in ServiceState._meta.concrete_fields]
_STATE_FROM = f"FROM {ServiceState._meta.db_table} AS state WHERE state.conversation_id = %s"


def move(state: ServiceState, happening: str, status: str, at: datetime) -> None:
    """How an event moves the clock facts (status: the conversation's status after it)."""
    if happening == Happening.CUSTOMER_MESSAGE:
        if state.waiting_since is None:
            state.waiting_since = at
        if state.first_responded_at is not None and state.next_response_since is None:
            state.next_response_since = at
    elif happening == Happening.AGENT_REPLY:
        waiting_stop(state, at)
        if state.first_responded_at is None:
            state.first_responded_at = at
        next_response_met(state)
    if happening in {Happening.CUSTOMER_MESSAGE, Happening.STATUS_CHANGED}:
        if status in PAUSED_STATUSES:
            pause(state, at)
        elif status in DONE_STATUSES:
            pause(state, at)
            state.solved_at = state.solved_at or at
            waiting_stop(state, at)
            next_response_met(state)
        else:
            resume(state, at)
            state.solved_at = None


def choose_policy(state: ServiceState, conversation: Any, config: ServiceConfig) -> None:
    customer = conversation.customer
    policy = policy_for(tier=customer.tier, priority=conversation.priority,
                        channel=conversation.channel, policies=config.policies,
                        segment_ids=lambda: segments_for_customer(customer, now=state.started_at))
    state.policy = policy
    state.calendar = calendar_for(config, policy=policy, team_id=conversation.team_id)
