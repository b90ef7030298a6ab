"""SLA clocks: every due time, the state and the next moments to look again, derived from a
ServiceState's facts (starts, pauses, replies) and its policy and calendar. Pure: the same
facts give the same answer, so events, the periodic tick and a full recompute agree.

Targets: first response (from the start until the first public reply), next response (from a
customer's message that waits for an answer until the reply), resolution (from the start
until solved). The first-response and resolution clocks stand still while the conversation
waits on the customer (pending or on hold) or is solved; the pauses are kept as business
seconds and push both due times back. A next-response wait normally starts after a reply,
so it does not take pauses into account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from mehvar.service_levels.business_time import (
    Schedule,
    business_seconds,
    from_business_seconds,
)
from mehvar.service_levels.models import ServiceState, SlaPolicy, SlaState

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
DERIVED_FIELDS = ("state", "first_response_due", "next_response_due", "resolution_due",
                  "deadline", "warn_at", "breached", "warned")


class Clocks(Protocol):
    """What evaluate reads and writes: a ServiceState, or the lighter ClockRow the batch
    recompute builds from plain rows."""

    started_at: datetime
    first_responded_at: datetime | None
    next_response_since: datetime | None
    paused_since: datetime | None
    paused_seconds: int
    solved_at: datetime | None
    breached: Any
    warned: Any
    state: str
    first_response_due: datetime | None
    next_response_due: datetime | None
    resolution_due: datetime | None
    deadline: datetime | None
    warn_at: datetime | None


@dataclass
class Outcome:
    """What changed in this evaluation: targets newly breached and newly at risk."""

    breached: list[tuple[str, datetime]] = field(default_factory=list)
    warned: list[tuple[str, datetime]] = field(default_factory=list)

    def extend(self, more: Outcome) -> None:
        self.breached += more.breached
        self.warned += more.warned


def _clock(policy: SlaPolicy, state: Clocks) -> dict[str, tuple[datetime, int, int]]:
    """The running targets: name -> (start, target seconds, extra paused seconds)."""
    running: dict[str, tuple[datetime, int, int]] = {}
    if policy.first_response_minutes and state.first_responded_at is None:
        running[FIRST_RESPONSE] = (state.started_at, policy.first_response_minutes * 60,
                                   state.paused_seconds)
    if policy.next_response_minutes and state.next_response_since is not None:
        running[NEXT_RESPONSE] = (state.next_response_since, policy.next_response_minutes * 60, 0)
    if policy.resolution_minutes:
        running[RESOLUTION] = (state.started_at, policy.resolution_minutes * 60,
                               state.paused_seconds)
    return running


def evaluate(state: Clocks, policy: SlaPolicy | None, schedule: Schedule,
             now: datetime) -> Outcome:
    """Set the derived fields of `state` (DERIVED_FIELDS) for `now`; return what is new."""
    outcome = Outcome()
    state.first_response_due = state.next_response_due = state.resolution_due = None
    state.deadline = state.warn_at = None
    if policy is None:
        state.state = SlaState.NONE
        return outcome
    running = _clock(policy, state)
    # Each start is read on the business clock once; due and warning times are offsets from
    # it (first response and resolution share the start).
    marks: dict[datetime, int] = {}

    def after(start: datetime, seconds: int) -> datetime:
        if seconds == 0:
            return start
        if start not in marks:
            marks[start] = business_seconds(schedule, start)
        return from_business_seconds(schedule, marks[start] + seconds)

    dues: dict[str, datetime] = {}
    for target, (start, seconds, paused) in running.items():
        due = after(start, seconds + paused)
        dues[target] = due
        setattr(state, f"{target}_due", due)
    if state.solved_at is not None or state.paused_since is not None:
        # Standing still: nothing can breach or warn until the clock runs again.
        if state.solved_at is not None:
            state.state = SlaState.BREACHED if state.breached else SlaState.DONE
        else:
            state.state = SlaState.PAUSED
        return outcome
    if not running:
        state.state = SlaState.BREACHED if state.breached else SlaState.DONE
        return outcome
    overdue = at_risk = False
    breached, warned = list(state.breached), list(state.warned)
    for target, (start, seconds, paused) in running.items():
        due, key = dues[target], _key(target, start)
        if due <= now:
            overdue = True
            if key not in breached:
                breached.append(key)
                outcome.breached.append((target, due))
            continue
        warn = after(start, seconds * policy.at_risk_percent // 100 + paused)
        if warn <= now:
            at_risk = True
            if key not in warned:
                warned.append(key)
                outcome.warned.append((target, due))
        else:
            state.warn_at = warn if state.warn_at is None else min(state.warn_at, warn)
        state.deadline = due if state.deadline is None else min(state.deadline, due)
    state.breached, state.warned = breached, warned
    state.state = (SlaState.BREACHED if overdue else
                   SlaState.AT_RISK if at_risk else SlaState.ON_TRACK)
    return outcome


def _key(target: str, start: datetime) -> str:
    """Each next-response wait is its own target: it may warn and breach once per wait."""
    return f"{target}@{int(start.timestamp())}" if target == NEXT_RESPONSE else target


def next_response_met(state: ServiceState) -> None:
    """The wait answered: forget its warning, keep a breach as plain history."""
    prefix = f"{NEXT_RESPONSE}@"
    state.warned = [key for key in state.warned if not key.startswith(prefix)]
    breached = [NEXT_RESPONSE if key.startswith(prefix) else key for key in state.breached]
    state.breached = list(dict.fromkeys(breached))
    state.next_response_since = None
