"""Build the demo company through the real services, in one transaction, then back-date it.

Every row is written by the services of its context (agent_create, customer_create,
conversation_create, message_add ...), so the demo has the same invariants, timeline events
and audit entries as real use. Services stamp `now`; a demo that looks six months old needs
older times, so the one exception is `_backdate`: after the build it rewrites the timestamps
the build wrote (one UPDATE statement per table), mapping each to the time its step was
planned for.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import agent_create, team_create
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services.conversations import (
    conversation_assign,
    conversation_create,
    conversation_set_status,
)
from mehvar.conversations.services.messages import message_add, message_add_from_customer
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Identity, Organization
from mehvar.customers.services import customer_create, organization_create
from mehvar.demo.intelligence import build_intelligence
from mehvar.demo.people import (
    ADMIN_PASSWORD,
    ORGANIZATIONS,
    STAFF,
    STAFF_PASSWORD,
    TEAMS,
)
from mehvar.demo.population import CustomerPlan, date_customers, plan_customers
from mehvar.demo.scripts import ConversationPlan, schedule
from mehvar.demo.service_levels import build_service_levels
from mehvar.intelligence.services import enrichment_deferred

ADMIN_USERNAME = "admin"
Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class DemoCounts:
    agents: int
    teams: int
    organizations: int
    customers: int
    duplicates: int
    conversations: int
    messages: int
    internal_notes: int


def demo_exists() -> bool:
    """The demo was built already (its administrator exists)."""
    return Agent.objects.filter(username=ADMIN_USERNAME).exists()


class _Clock:
    """Pairs (real time just before a service call, the time that call should appear to have
    happened at). A timestamp written during the build maps to the planned time of the call
    that wrote it, plus the few milliseconds it came after the call began (keeps the order)."""

    def __init__(self) -> None:
        self.real: list[datetime] = []
        self.planned: list[datetime] = []

    def at(self, planned: datetime) -> None:
        self.real.append(timezone.now())
        self.planned.append(planned)

    @property
    def started(self) -> datetime:
        return self.real[0]

    def map(self, value: datetime | None) -> datetime | None:
        if value is None or not self.real or value < self.real[0]:
            return value
        index = bisect_right(self.real, value) - 1
        return self.planned[index] + (value - self.real[index])


def build_demo(*, seed: int, customers: int, conversations: int,
               progress: Progress) -> DemoCounts:
    """Plan (pure, from `seed`) and write the demo company; everything or nothing."""
    rng = random.Random(seed)
    now = timezone.now()
    people = plan_customers(rng, customers)
    plans = schedule(rng, people, conversations, now)
    first_contact: dict[int, datetime] = {}
    for plan in plans:
        first_contact[plan.customer] = min(plan.at, first_contact.get(plan.customer, plan.at))
    date_customers(rng, people, first_contact, now)
    clock = _Clock()
    with transaction.atomic():
        agents, teams = _phase(progress, "Agents and teams", lambda: _staff(clock, now))
        admin = agents[ADMIN_USERNAME]
        customer_ids = _phase(progress, "Customers",
                              lambda: _customers(clock, admin, people))
        with enrichment_deferred():  # enriched in batches at the end
            _phase(progress, "Conversations", lambda: _conversations(
                clock, admin, agents, teams, customer_ids, plans, progress))
        _phase(progress, "Back-dating to the last six months", lambda: _backdate(clock))
        _phase(progress, "Service levels", lambda: build_service_levels(admin, agents, teams))
        _phase(progress, "Intents, the intent model and every message enriched",
               lambda: build_intelligence(admin))
    return DemoCounts(
        agents=len(agents), teams=len(teams),
        organizations=len({p.organization for p in people if p.organization is not None}),
        customers=len(customer_ids),
        duplicates=sum(p.duplicate_of is not None for p in people),
        conversations=len(plans),
        messages=Message.objects.filter(conversation__customer_id__in=customer_ids.values())
        .count(),
        internal_notes=Message.objects.filter(
            conversation__customer_id__in=customer_ids.values(), is_internal=True).count(),
    )


def _phase(progress: Progress, name: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    progress(f"{name}…")
    result = work()
    progress(f"{name}: done in {time.perf_counter() - started:.1f} s")
    return result


def _staff(clock: _Clock, now: datetime) -> tuple[dict[str, Agent], dict[str, Team]]:
    agents: dict[str, Agent] = {}
    for member in STAFF:
        clock.at(now - timedelta(days=400))
        agents[member.username] = agent_create(
            actor=None, username=member.username,
            password=ADMIN_PASSWORD if member.role == "admin" else STAFF_PASSWORD,
            role=member.role, email=f"{member.username}@pardis-market.example",
            display_name=member.display_name, language=member.language,
            time_zone=member.time_zone,
        )
    teams: dict[str, Team] = {}
    for spec in TEAMS:
        clock.at(now - timedelta(days=399))
        teams[spec.name] = team_create(
            actor=None, name=spec.name, description=spec.description, lead=agents[spec.lead],
            members=[agents[name] for name in spec.members],
        )
    return agents, teams


def _customers(clock: _Clock, admin: Agent, people: Sequence[CustomerPlan]) -> dict[int, int]:
    """Create organizations and customers; returns plan key -> customer id."""
    organization_ids: dict[int, int] = {}
    for index in sorted({p.organization for p in people if p.organization is not None}):
        spec = ORGANIZATIONS[index]
        joined = [p.created_at for p in people if p.organization == index and p.created_at]
        clock.at(min(joined) - timedelta(days=30))
        organization_ids[index] = organization_create(
            actor=admin, name=spec.name, domain=spec.domain,
            custom_attributes={"industry": spec.industry, "country": spec.country},
        ).pk
    ids: dict[int, int] = {}
    for person in sorted(people, key=lambda p: p.created_at or timezone.now()):
        clock.at(person.created_at or timezone.now())
        ids[person.key] = customer_create(
            actor=admin, name=person.name, language=person.language,
            time_zone=person.time_zone, journey_stage=person.journey_stage,
            segment_tags=person.segment_tags, lifetime_value=person.lifetime_value,
            cost_to_serve=person.cost_to_serve, tier=person.tier,
            custom_attributes=person.custom_attributes, consent=person.consent,
            notes=person.notes,
            organization_id=(None if person.organization is None
                             else organization_ids[person.organization]),
            identities=person.identities,
        ).pk
    return ids


def _conversations(
    clock: _Clock, admin: Agent, agents: dict[str, Agent], teams: dict[str, Team],
    customer_ids: dict[int, int], plans: Sequence[ConversationPlan], progress: Progress,
) -> None:
    report_every = max(100, len(plans) // 4)
    # Created in time order, so that ids grow with created_at as in real use.
    for number, plan in enumerate(sorted(plans, key=lambda p: p.at), start=1):
        clock.at(plan.at)
        conversation = conversation_create(
            actor=admin, subject=plan.subject, channel=plan.channel, text=plan.text,
            customer_id=customer_ids[plan.customer], language=plan.language,
            priority=plan.priority, team_id=teams[plan.team].pk if plan.team else None,
            assignee_id=agents[plan.assignee].pk if plan.assignee else None, tags=plan.tags,
        )
        for step in plan.steps:
            clock.at(step.at)
            if step.kind == "customer":
                message_add_from_customer(conversation=conversation, text=step.text,
                                          language=step.language)
            elif step.kind in {"agent", "note"}:
                message_add(actor=agents[step.actor], conversation=conversation, text=step.text,
                            is_internal=step.kind == "note", language=step.language)
            elif step.kind == "status":
                conversation_set_status(actor=agents[step.actor], conversation=conversation,
                                        status=step.status)
            elif step.kind == "assign":
                conversation_assign(actor=agents[step.actor], conversation=conversation,
                                    assignee_id=conversation.assignee_id,
                                    team_id=teams[step.team].pk)
        if number % report_every == 0 and number < len(plans):
            progress(f"  {number} of {len(plans)} conversations")


def _backdate(clock: _Clock) -> None:
    """Demo-only exception to "services write every row": move what the build wrote to the
    times it was planned for (Conversation/Message/TimelineEvent, and the customers' rows).

    One UPDATE statement per table, run with executemany over the rows the build wrote: the
    ORM's bulk_update (CASE WHEN per batch) spends seconds building expressions for 30,000
    rows, this takes a fraction of one on SQLite and PostgreSQL alike."""
    _remap(clock, Conversation, ["created_at", "updated_at", "last_message_at",
                                 "first_response_at", "solved_at", "closed_at"])
    _remap(clock, Message, ["created_at"])
    _remap(clock, TimelineEvent, ["at"])
    _remap(clock, Customer, ["created_at", "updated_at"])
    _remap(clock, Identity, ["created_at"])
    _remap(clock, Organization, ["created_at", "updated_at"])


def _remap(clock: _Clock, model: type[models.Model], fields: list[str]) -> None:
    meta, quote = model._meta, connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    assignments = ", ".join(f"{quote(str(getattr(meta.get_field(name), 'column', name)))} = %s"
                            for name in fields)
    key = quote(str(getattr(meta.pk, "column", "id")))
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {key} = %s"
    rows = (model._default_manager.filter(**{f"{fields[0]}__gte": clock.started})
            .values_list("pk", *fields))
    params = [[adapt(clock.map(value)) for value in values] + [pk] for pk, *values in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
