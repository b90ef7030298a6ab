"""Rebuild service-level clocks from history: for conversations that existed before service
levels were switched on, were imported, or after the demo back-dates its conversations.

Each conversation's public messages and status changes are replayed through the same steps
the live hooks take, so the rebuilt clocks, waits and breaches are what they would have been
(breaches land in the timeline at their due time). Routing is not replayed: the conversation
keeps its team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mehvar.conversations.lifecycle import Happening
from mehvar.conversations.selectors import (
    History,
    conversation_histories,
    conversation_ids_after,
)
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.config_cache import ServiceConfig, service_config
from mehvar.service_levels.models import ServiceState
from mehvar.service_levels.services.clocks import (
    calendar_for,
    outcome_rows,
    policy_for,
    schedule_for,
)
from mehvar.service_levels.services.lifecycle import new_state, step
from mehvar.service_levels.sla import Outcome, evaluate

BATCH = 500
KINDS = {"customer": Happening.CUSTOMER_MESSAGE, "agent": Happening.AGENT_REPLY,
         "status": Happening.STATUS_CHANGED}


def service_states_rebuild(*, conversation_ids: Sequence[int],
                           segments: Callable[[int], list[int]] = lambda customer_id: [],
                           now: datetime | None = None) -> int:
    """Replace the clocks of these conversations with ones replayed from their history;
    returns how many were rebuilt. `segments(customer_id)` gives a customer's segment ids
    for policies with segment conditions."""
    now = now or timezone.now()
    config = service_config()
    ids = list(conversation_ids)
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            histories = conversation_histories(conversation_ids=ids[start:start + BATCH])
            states, events = [], []
            for history in histories:
                state, breaches = _replay(history, config, segments, now)
                states.append(state)
                events += breaches
            ServiceState.objects.filter(conversation_id__in=[h.conversation_id
                                                             for h in histories]).delete()
            ServiceState.objects.bulk_create(states)
            TimelineEvent.objects.bulk_create(events)
    return len(ids)


def service_states_rebuild_all(*, everything: bool = False) -> int:
    """Rebuild the conversations without clocks (every conversation with `everything`)."""
    total, after = 0, 0
    while ids := conversation_ids_after(after_id=after, limit=BATCH):
        after = ids[-1]
        if not everything:
            have = set(ServiceState.objects.filter(conversation_id__in=ids)
                       .values_list("conversation_id", flat=True))
            ids = [pk for pk in ids if pk not in have]
        if ids:
            total += service_states_rebuild(conversation_ids=ids)
    return total


def _replay(history: History, config: ServiceConfig, segments: Callable[[int], list[int]],
            now: datetime) -> tuple[ServiceState, list[TimelineEvent]]:
    state = new_state(started_at=history.created_at, by_agent=history.by_agent, rule_id=None,
                      conversation=None)
    state.conversation_id = history.conversation_id
    state.policy = policy_for(tier=history.customer_tier, priority=history.priority,
                              channel=history.channel, policies=config.policies,
                              segment_ids=lambda: segments(history.customer_id))
    state.calendar = calendar_for(config, policy=state.policy, team_id=history.team_id)
    outcome = Outcome()
    status = "pending" if history.by_agent else "new"
    for at, kind, new_status in history.steps:
        if kind == "status":
            status = new_status
        elif kind == "agent" and status == "new":
            status = "open"
        outcome.extend(step(state, KINDS[kind], status, at))
    outcome.extend(evaluate(state, state.policy, schedule_for(state), now))
    # Past breaches go to the timeline at their due times; past warnings and alerts do not.
    events, _alerts = outcome_rows(state, Outcome(breached=outcome.breached),
                                   customer_id=history.customer_id, assignee_id=None,
                                   lead_id=None, now=now)
    return state, events
