"""SLA state on conversations: created when one opens, moved by its events, re-evaluated by the
periodic tick and after a policy or calendar change. Breaches are recorded in the timeline;
warnings and breaches become alerts for the assignee and the team lead."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from mehvar.conversations.selectors import conversation_teams
from mehvar.core import rawrow
from mehvar.core.models import TimelineEvent
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_event, timeline_record_many
from mehvar.service_levels.business_time import ALWAYS_OPEN, Schedule, business_between
from mehvar.service_levels.calendars import schedule_of
from mehvar.service_levels.config_cache import ServiceConfig, service_config
from mehvar.service_levels.models import (
    AlertKind,
    BusinessCalendar,
    ServiceState,
    SlaAlert,
    SlaPolicy,
)
from mehvar.service_levels.sla import DERIVED_FIELDS, Outcome, evaluate

TICK_BATCH = 500
# What evaluate reads; the derived fields it writes are not loaded (they are all rewritten).
FACT_FIELDS = ("conversation_id", "policy_id", "calendar_id", "started_at",
               "first_responded_at", "next_response_since", "paused_since", "paused_seconds",
               "solved_at", "breached", "warned")


@dataclass(slots=True)
class ClockRow:
    """A state's facts as the batch paths read them (plain rows: building a model instance
    per row cost a fifth of a 100,000-conversation recompute), plus what evaluate writes."""

    conversation_id: int
    policy_id: int | None
    calendar_id: int | None
    started_at: datetime
    first_responded_at: datetime | None
    next_response_since: datetime | None
    paused_since: datetime | None
    paused_seconds: int
    solved_at: datetime | None
    breached: Any
    warned: Any
    policy: SlaPolicy | None = None
    calendar: BusinessCalendar | None = None
    state: str = ""
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    deadline: datetime | None = None
    warn_at: datetime | None = None


def _clock_rows(rows: Any) -> list[ClockRow]:
    return [ClockRow(*values) for values in rows.values_list(*FACT_FIELDS)]


def policy_for(*, tier: str, segment_ids: Callable[[], Iterable[int]], priority: str,
               channel: str, policies: Sequence[SlaPolicy]) -> SlaPolicy | None:
    """The first active policy (by position) whose every non-empty condition holds; the
    customer's segments are asked only when a policy has a segment condition."""
    segments: set[int] | None = None
    for policy in policies:
        if policy.tiers and tier not in policy.tiers:
            continue
        if policy.priorities and priority not in policy.priorities:
            continue
        if policy.channels and channel not in policy.channels:
            continue
        if policy.segment_ids:
            segments = set(segment_ids()) if segments is None else segments
            if not segments.intersection(policy.segment_ids):
                continue
        return policy
    return None


def calendar_for(config: ServiceConfig, *, policy: SlaPolicy | None,
                 team_id: int | None) -> BusinessCalendar | None:
    """The team's calendar, else the default one; none (24/7) when the policy counts all
    hours or no calendar exists."""
    if policy is None or not policy.business_hours:
        return None
    return config.calendar_of_team(team_id)


def schedule_for(state: ServiceState | ClockRow) -> Schedule:
    return schedule_of(state.calendar) if state.calendar_id is not None else ALWAYS_OPEN


def pause(state: ServiceState, at: datetime) -> None:
    if state.paused_since is None:
        state.paused_since = at


def resume(state: ServiceState, at: datetime) -> None:
    """The clocks run again; the pause's business time pushes their due times back."""
    if state.paused_since is not None:
        paused = business_between(schedule_for(state), state.paused_since, at)
        state.paused_seconds += max(0, paused)
        state.paused_since = None


def waiting_stop(state: ServiceState, at: datetime) -> None:
    if state.waiting_since is not None:
        state.waited_seconds += max(0, int((at - state.waiting_since).total_seconds()))
        state.waiting_since = None


def waited_now(state: ServiceState, now: datetime) -> int:
    """Seconds the customer has waited for us in this conversation, the current wait included."""
    current = (now - state.waiting_since).total_seconds() if state.waiting_since else 0
    return state.waited_seconds + max(0, int(current))


def outcome_record(state: ServiceState, outcome: Outcome, *, customer_id: int,
                   assignee_id: int | None, lead_id: int | None, now: datetime) -> None:
    """Breaches in the timeline; warnings and breaches as alerts to assignee and team lead."""
    events, alerts = outcome_rows(state, outcome, customer_id=customer_id,
                                  assignee_id=assignee_id, lead_id=lead_id, now=now)
    timeline_record_many(events)
    SlaAlert.objects.bulk_create(alerts, ignore_conflicts=True)


def outcome_rows(state: ServiceState | ClockRow, outcome: Outcome, *, customer_id: int,
                 assignee_id: int | None, lead_id: int | None, now: datetime,
                 ) -> tuple[list[TimelineEvent], list[SlaAlert]]:
    """The timeline events (a breach dated when it happened, even if noticed later) and the
    alerts an outcome makes, unsaved, so a batch inserts them together."""
    if not outcome.breached and not outcome.warned:
        return [], []
    events = []
    for verb, items in (("sla.breached", outcome.breached), ("sla.at_risk", outcome.warned)):
        for target, due in items:
            event = timeline_event(verb=verb, actor_id=None, customer_id=customer_id,
                                   conversation_id=state.conversation_id,
                                   after={"target": target, "due": due.isoformat(),
                                          "policy_id": state.policy_id})
            if verb == "sla.breached":
                event.at = due
            events.append(event)
    agents = sorted({agent for agent in (assignee_id, lead_id) if agent is not None})
    alerts = [SlaAlert(agent_id=agent, conversation_id=state.conversation_id, kind=kind,
                       target=target, due=due, created_at=now)
              for agent in agents
              for kind, items in ((AlertKind.BREACH, outcome.breached),
                                  (AlertKind.WARNING, outcome.warned))
              for target, due in items]
    return events, alerts


def sla_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate the conversations whose deadline or warning time has come (two partial
    indexes find them); returns how many were looked at, warned and breached."""
    now = now or timezone.now()
    totals = {"evaluated": 0, "warned": 0, "breached": 0}
    while True:
        with transaction.atomic():
            due = (ServiceState.objects.filter(Q(deadline__lte=now) | Q(warn_at__lte=now))
                   .select_for_update(skip_locked=True).order_by("conversation_id"))
            states = _clock_rows(due[:TICK_BATCH])
            if not states:
                return totals
            _evaluate_and_save(states, now, totals)
        if len(states) < TICK_BATCH:
            return totals


def _evaluate_and_save(states: list[ClockRow], now: datetime, totals: dict[str, int],
                       *, attached: bool = False) -> None:
    """Evaluate a locked batch: policies and calendars are read once for the batch, the
    states written in one statement, events and alerts inserted together."""
    if not attached:
        _attach_policies_and_calendars(states)
    noticed = []
    for state in states:
        outcome = evaluate(state, state.policy, schedule_for(state), now)
        totals["evaluated"] += 1
        totals["warned"] += len(outcome.warned)
        totals["breached"] += len(outcome.breached)
        if outcome.breached or outcome.warned:
            noticed.append((state, outcome))
    save_derived(states)
    if not noticed:
        return
    facts = _conversation_facts([state.conversation_id for state, _outcome in noticed])
    events, alerts = [], []
    for state, outcome in noticed:
        customer_id, assignee_id, lead_id = facts[state.conversation_id]
        more_events, more_alerts = outcome_rows(state, outcome, customer_id=customer_id,
                                                assignee_id=assignee_id, lead_id=lead_id,
                                                now=now)
        events += more_events
        alerts += more_alerts
    timeline_record_many(events)
    SlaAlert.objects.bulk_create(alerts, ignore_conflicts=True)


def _attach_policies_and_calendars(states: list[ClockRow]) -> None:
    policies = SlaPolicy.objects.in_bulk({state.policy_id for state in states} - {None})
    calendars = BusinessCalendar.objects.in_bulk({state.calendar_id for state in states}
                                                 - {None})
    for state in states:
        state.policy = policies.get(state.policy_id)
        state.calendar = calendars.get(state.calendar_id)


def save_derived(states: Sequence[ClockRow]) -> None:
    """Write the evaluated fields of many states in one statement. On PostgreSQL the batch
    travels as one JSON document unpacked by jsonb_to_recordset: bulk_update's CASE WHEN per
    column cost seconds of expression building per thousand rows, and a VALUES list or arrays
    of thousands of parameters took psycopg longer to prepare than PostgreSQL took to run.
    Elsewhere one UPDATE runs with executemany."""
    if not states:
        return
    quote = connection.ops.quote_name
    table = quote(ServiceState._meta.db_table)
    columns = {name: quote(str(ServiceState._meta.get_field(name).column))  # type: ignore[union-attr]
               for name in SAVED_FIELDS}
    assignments = ", ".join(f"{column} = v.{name}" for name, column in columns.items())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            record = ", ".join(f"{name} {_PG_TYPES[name]}" for name in SAVED_FIELDS)
            document = json.dumps([{"id": state.conversation_id, **{
                name: _json_value(getattr(state, name)) for name in SAVED_FIELDS}}
                for state in states])
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM jsonb_to_recordset(%s::jsonb) "
                f"AS v(id bigint, {record}) WHERE {table}.{quote('conversation_id')} = v.id",
                [document])
        else:
            rows = [[_adapt(name, getattr(state, name)) for name in SAVED_FIELDS]
                    + [state.conversation_id] for state in states]
            cursor.executemany(
                f"UPDATE {table} SET " + ", ".join(f"{column} = %s"
                                                   for column in columns.values())
                + f" WHERE {quote('conversation_id')} = %s", rows)


# The evaluated fields, and the calendar a recompute may have chosen again.
SAVED_FIELDS = (*DERIVED_FIELDS, "calendar_id")
_PG_TYPES = {"state": "varchar", "breached": "jsonb", "warned": "jsonb",
             "calendar_id": "bigint",
             **dict.fromkeys(("first_response_due", "next_response_due", "resolution_due",
                              "deadline", "warn_at"), "timestamptz")}


def state_write(state: ServiceState, *, insert: bool) -> None:
    """Insert or update one state row with every column (core.rawrow: every message of every
    conversation writes its clocks here, and Model.save compiled its SQL for longer than the
    database took to run it)."""
    if insert:
        rawrow.insert_later(state)
    else:
        rawrow.update_later(state, _STATE_FIELDS)


_STATE_FIELDS = [field.name for field in ServiceState._meta.concrete_fields
                 if not field.primary_key]


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _adapt(name: str, value: Any) -> Any:
    if name in {"breached", "warned"}:
        return connection.ops.adapt_json_value(value, None)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _conversation_facts(ids: list[int]) -> dict[int, tuple[Any, Any, Any]]:
    """(customer id, assignee id, team lead id) per conversation, in one query."""
    rows = (ServiceState.objects.filter(conversation_id__in=ids)
            .values_list("conversation_id", "conversation__customer_id",
                         "conversation__assignee_id", "conversation__team__lead_id"))
    return {row[0]: row[1:] for row in rows}


RECOMPUTE_BATCH = 1000


def sla_recompute(*, policy_id: int | None = None, calendar_id: int | None = None,
                  team_id: int | None = None, now: datetime | None = None) -> int:
    """Re-evaluate every unsolved conversation's clocks (or those under one policy, calendar
    or team), in batches locked one at a time; each one's calendar is chosen again (its
    team's hours, the default, or none when its policy counts all hours). Returns how many
    were evaluated."""
    now = now or timezone.now()
    rows = ServiceState.objects.filter(solved_at__isnull=True, policy__isnull=False)
    if policy_id is not None:
        rows = rows.filter(policy_id=policy_id)
    if calendar_id is not None:
        rows = rows.filter(calendar_id=calendar_id)
    if team_id is not None:
        rows = rows.filter(conversation__team_id=team_id)
    config = service_config()
    totals = {"evaluated": 0, "warned": 0, "breached": 0}
    after = 0
    while True:
        with transaction.atomic():
            states = _clock_rows(rows.filter(conversation_id__gt=after).select_for_update()
                                 .order_by("conversation_id")[:RECOMPUTE_BATCH])
            if not states:
                return totals["evaluated"]
            _attach_policies_and_calendars(states)
            teams = conversation_teams(
                conversation_ids=[state.conversation_id for state in states])
            for state in states:
                state.calendar = calendar_for(config, policy=state.policy,
                                              team_id=teams.get(state.conversation_id))
                state.calendar_id = state.calendar.pk if state.calendar else None
            _evaluate_and_save(states, now, totals, attached=True)
        after = states[-1].conversation_id


def sla_alerts_mark_read(*, actor: Actor, alert_ids: Sequence[int]) -> int:
    """The actor's own alerts among `alert_ids` marked read; returns how many changed."""
    require(actor, "conversation.view")
    return (SlaAlert.objects.filter(agent_id=actor.pk or 0, pk__in=list(alert_ids)[:100],
                                    read_at__isnull=True).update(read_at=timezone.now()))
