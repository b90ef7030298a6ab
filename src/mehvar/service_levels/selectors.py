"""Reads of the service levels context, permission-scoped, in a fixed number of queries.

Query budget: sla_states_for 1; conversation_service 3 (state with policy, calendar and
rule; hand-offs; internal requests); customer_waiting 1; calendar_list 2 (calendars, their
holidays); the other configuration lists 1; request_page and alert_page 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.models import (
    AgentProfile,
    Availability,
    BusinessCalendar,
    Handoff,
    InternalRequest,
    RequestStatus,
    RoutingRule,
    ServiceState,
    SlaAlert,
    SlaPolicy,
    TeamServiceSettings,
)
from mehvar.service_levels.services.clocks import waited_now

MAX_HANDOFFS = 20


@dataclass(frozen=True)
class ConversationService:
    """What the conversation page shows about service levels."""

    state: ServiceState | None
    handoffs: list[Handoff]
    requests: list[InternalRequest]
    waited_seconds: int

    @property
    def latest_handoff(self) -> Handoff | None:
        return self.handoffs[0] if self.handoffs else None


def sla_states_for(*, conversation_ids: Sequence[int]) -> dict[int, ServiceState]:
    """The SLA columns of a page of conversations (inbox badges), in one query."""
    if not conversation_ids:
        return {}
    rows = ServiceState.objects.filter(conversation_id__in=list(conversation_ids)).only(
        "conversation_id", "state", "deadline", "first_response_due", "next_response_due",
        "resolution_due", "waiting_since", "waited_seconds", "escalation_level")
    return {row.conversation_id: row for row in rows}


def conversation_service(*, actor: Actor, conversation_id: int,
                         now: datetime | None = None) -> ConversationService:
    """The caller has already read the conversation through conversations.selectors (which
    checked the actor may see it)."""
    require(actor, "conversation.view")
    state = (ServiceState.objects.select_related("policy", "calendar", "routed_by")
             .filter(conversation_id=conversation_id).first())
    handoffs = list(Handoff.objects.filter(conversation_id=conversation_id)
                    .select_related("from_team", "to_team", "by_agent")
                    .order_by("-created_at", "-id")[:MAX_HANDOFFS])
    requests = list(InternalRequest.objects.filter(conversation_id=conversation_id)
                    .select_related("to_team", "owner").order_by("-created_at", "-id")[:20])
    waited = waited_now(state, now or timezone.now()) if state is not None else 0
    return ConversationService(state=state, handoffs=handoffs, requests=requests,
                               waited_seconds=waited)


@dataclass(frozen=True)
class CustomerWaiting:
    conversations: int
    total_seconds: int
    waiting_now: int            # conversations where the customer waits for us right now

    @property
    def average_seconds(self) -> int:
        return self.total_seconds // self.conversations if self.conversations else 0


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970, with each database's own function. Django's
    portable datetime arithmetic runs a Python function inside SQLite, which deadlocked two
    threads sharing the live-test connection; these are built into SQLite and PostgreSQL."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # %%%%s: the template's %% leaves %%s, which the backend's placeholder pass turns
        # into strftime's own %s.
        return self.as_sql(compiler, connection,
                           template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)",
                           **extra)


def customer_waiting(*, actor: Actor, customer_id: int,
                     now: datetime | None = None) -> CustomerWaiting:
    """The customer's waiting for us across all conversations, the current waits included,
    in one aggregate query (the current waits: their number times now, less the sum of
    their starts, in epoch seconds)."""
    require(actor, "customer.view")
    now = now or timezone.now()
    waiting = Q(waiting_since__isnull=False)
    totals = ServiceState.objects.filter(conversation__customer_id=customer_id).aggregate(
        count=Count("conversation_id"), waited=Sum("waited_seconds"),
        waiting=Count("conversation_id", filter=waiting),
        starts=Sum(EpochSeconds("waiting_since"), filter=waiting))
    current = (totals["waiting"] or 0) * int(now.timestamp()) - (totals["starts"] or 0)
    return CustomerWaiting(conversations=totals["count"] or 0,
                           total_seconds=(totals["waited"] or 0) + max(0, current),
                           waiting_now=totals["waiting"] or 0)


# --- configuration -------------------------------------------------------------------------


def calendar_list(*, actor: Actor) -> QuerySet[BusinessCalendar]:
    require(actor, "service_levels.view")
    return BusinessCalendar.objects.prefetch_related("holidays").order_by("name")


def calendar_get(*, actor: Actor, calendar_id: int) -> BusinessCalendar:
    calendar = calendar_list(actor=actor).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(Code.CALENDAR_NOT_FOUND, _("No calendar has this id."))
    return calendar


def policy_list(*, actor: Actor) -> QuerySet[SlaPolicy]:
    require(actor, "service_levels.view")
    return SlaPolicy.objects.order_by("position", "id")


def policy_get(*, actor: Actor, policy_id: int) -> SlaPolicy:
    policy = policy_list(actor=actor).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(Code.POLICY_NOT_FOUND, _("No SLA policy has this id."))
    return policy


def rule_list(*, actor: Actor) -> QuerySet[RoutingRule]:
    require(actor, "service_levels.view")
    return RoutingRule.objects.select_related("team").order_by("position", "id")


def rule_get(*, actor: Actor, rule_id: int) -> RoutingRule:
    rule = rule_list(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(Code.RULE_NOT_FOUND, _("No routing rule has this id."))
    return rule


def team_settings_list(*, actor: Actor) -> QuerySet[TeamServiceSettings]:
    require(actor, "service_levels.view")
    return TeamServiceSettings.objects.select_related("team", "calendar").order_by("team__name")


def agent_profiles(*, actor: Actor, agent_ids: Sequence[int]) -> dict[int, AgentProfile]:
    require(actor, "agent.view")
    return {profile.agent_id: profile
            for profile in AgentProfile.objects.filter(agent_id__in=list(agent_ids))}


@dataclass(frozen=True)
class AgentHeader:
    availability: str
    unread_alerts: int


def agent_header(*, actor: Actor) -> AgentHeader:
    """The agent's availability and unread SLA alerts, for the inbox header (one query)."""
    quote = connection.ops.quote_name
    profiles, alerts = (quote(AgentProfile._meta.db_table), quote(SlaAlert._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT availability FROM {profiles} WHERE agent_id = %s), "
            f"(SELECT COUNT(*) FROM {alerts} WHERE agent_id = %s AND read_at IS NULL)",
            [actor.pk, actor.pk])
        availability, unread = cursor.fetchone()
    return AgentHeader(availability or Availability.OFFLINE, unread)


# --- internal requests and alerts ----------------------------------------------------------


def request_page(*, actor: Actor, cursor: str | None, limit: int, team_id: int | None = None,
                 team_ids: Sequence[int] | None = None, owner_id: int | None = None,
                 conversation_id: int | None = None,
                 status: str | None = RequestStatus.OPEN) -> Page[InternalRequest]:
    """Requests newest first, to one team or to any of `team_ids` (an agent's teams)."""
    require(actor, "internal_request.view")
    rows = InternalRequest.objects.select_related("to_team", "from_team", "owner",
                                                  "requested_by")
    if team_id is not None:
        rows = rows.filter(to_team_id=team_id)
    if team_ids is not None:
        rows = rows.filter(to_team_id__in=list(team_ids))
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if conversation_id is not None:
        rows = rows.filter(conversation_id=conversation_id)
    if status:
        rows = rows.filter(status=status)
    return keyset_page(rows, field="created_at", cursor=cursor, limit=limit)


def request_get(*, actor: Actor, request_id: int) -> InternalRequest:
    require(actor, "internal_request.view")
    request = (InternalRequest.objects.select_related("to_team", "from_team", "owner",
                                                      "requested_by")
               .filter(pk=request_id).first())
    if request is None:
        raise NotFound(Code.REQUEST_NOT_FOUND, _("No internal request has this id."))
    return request


def alert_page(*, actor: Actor, cursor: str | None, limit: int) -> Page[SlaAlert]:
    """The actor's own SLA warnings and breaches, newest first."""
    require(actor, "conversation.view")
    rows = SlaAlert.objects.filter(agent_id=actor.pk or 0).select_related("conversation").only(
        "id", "kind", "target", "due", "created_at", "read_at", "conversation_id",
        "conversation__subject")
    return keyset_page(rows, field="created_at", cursor=cursor, limit=limit)

