"""Routing by intent, once it is known.

A conversation is routed when its first message is stored, but what the customer wants is
found by the intelligence context afterwards, in the background. When it is found, the rules
that ask for an intent are tried again: only for a conversation that no rule placed, that no
agent has answered and that no agent took by hand, so nobody's work moves under them. A match
places the conversation as at opening (team, priority, tags; an automatic assignment in the
old team is undone and made again in the new one) and its SLA policy is chosen again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from mehvar.accounts.selectors import team_lead_id
from mehvar.conversations.learning_selectors import conversation_message_texts
from mehvar.conversations.services.common import lock_conversation
from mehvar.core.errors import NotFound
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.config_cache import service_config
from mehvar.service_levels.services.assignment import auto_assign
from mehvar.service_levels.services.clocks import outcome_record, schedule_for, state_write
from mehvar.service_levels.services.lifecycle import (
    DONE_STATUSES,
    choose_policy,
    place_by_rules,
    routing_facts,
    state_of,
)
from mehvar.service_levels.sla import evaluate

UNKNOWN_INTENT = "unknown"


def conversation_route_by_intent(*, conversation_id: int, intent: str,
                                 at: datetime) -> int | None:
    """Try the intent rules for a conversation whose intent became known; the rule's id when
    one placed it."""
    if not intent or intent == UNKNOWN_INTENT:
        return None
    config = service_config()
    rules = [rule for rule in config.rules if rule.intents]
    if not rules:
        return None
    with transaction.atomic():
        try:
            conversation = lock_conversation(conversation_id)
        except NotFound:  # deleted since its message was analysed
            return None
        if conversation.status in DONE_STATUSES:
            return None
        state = state_of(conversation)
        if (state._state.adding or state.routed_by_id is not None
                or state.first_responded_at is not None or _taken_by_hand(conversation)):
            return None
        texts = conversation_message_texts(conversation_id=conversation.pk)
        first = next((item.text for item in texts if item.from_customer), "")
        facts = routing_facts(conversation, first, at, config, intent=intent)
        team_before = conversation.team_id
        rule_id = place_by_rules(conversation, rules, facts, verb="conversation.routed",
                                 unassign=True)
        if rule_id is None:
            return None
        if conversation.team_id != team_before and conversation.assignee_id is None:
            auto_assign(conversation, locked=True)
        state.routed_by_id = rule_id
        choose_policy(state, conversation, config)
        outcome = evaluate(state, state.policy, schedule_for(state), at)
        state_write(state, insert=False)
        if outcome.breached or outcome.warned:
            outcome_record(state, outcome, customer_id=conversation.customer_id,
                           assignee_id=conversation.assignee_id,
                           lead_id=team_lead_id(team_id=conversation.team_id), now=at)
    return rule_id


def _taken_by_hand(conversation: Any) -> bool:
    """Whether an agent assigned the conversation (automatic assignment records no actor)."""
    return TimelineEvent.objects.filter(conversation_id=conversation.pk,
                                        verb="conversation.assigned",
                                        actor__isnull=False).exists()
