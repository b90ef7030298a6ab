"""REST API for the service levels context: business-hours calendars, SLA policies, routing
rules and team settings (read by analysts, changed by admins), agents' availability and
skills, a conversation's service state and hand-offs, internal requests between teams, SLA
alerts and a customer's waiting. Handlers parse, call one service or selector (which checks
the role) and shape the answer with the schemas in schemas.py."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from mehvar.accounts.selectors import agent_get
from mehvar.conversations.selectors import conversation_get
from mehvar.core.errors import Invalid
from mehvar.core.pagination import MAX_PAGE_SIZE, Page
from mehvar.core.permissions import Actor
from mehvar.customers.selectors import customer_get
from mehvar.service_levels import selectors
from mehvar.service_levels.models import AgentProfile
from mehvar.service_levels.schemas import (
    POLICY_NULLABLE,
    RULE_NULLABLE,
    AgentProfileOut,
    AgentProfilePatchIn,
    AlertPageOut,
    AvailabilityIn,
    CalendarIn,
    CalendarOut,
    CalendarPageOut,
    CalendarPatchIn,
    ConversationServiceOut,
    CustomerWaitingOut,
    HandoffIn,
    HandoffOut,
    HolidaysIn,
    ObjectId,
    PageParams,
    PolicyIn,
    PolicyOut,
    PolicyPageOut,
    PolicyPatchIn,
    RequestAssignIn,
    RequestFilters,
    RequestFinishIn,
    RequestIn,
    RequestOut,
    RequestPageOut,
    RuleIn,
    RuleOrderIn,
    RuleOut,
    RulePageOut,
    RulePatchIn,
    TeamSettingsIn,
    TeamSettingsOut,
    TeamSettingsPageOut,
    conversation_service_out,
    customer_waiting_out,
)
from mehvar.service_levels.services import assignment, configuration, escalation
from mehvar.service_levels.services import requests as internal_requests

router = Router(tags=["service levels"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


def _page(page: Page[Any]) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


def _ordered_page(rows: QuerySet[Any], *, key: str, kind: type, cursor: str | None,
                  limit: int) -> dict[str, Any]:
    """Keyset page of a configuration list in ascending (key, id) order: the order rules and
    policies are tried in (position), calendars and teams by name. The cursor is the last
    row's (key, id)."""
    if cursor:
        value, last_id = _decode_cursor(cursor, kind)
        rows = rows.filter(Q(**{f"{key}__gt": value}) | Q(**{key: value, "pk__gt": last_id}))
    items = list(rows.order_by(key, "pk")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = None
    if more:
        last: Any = items[-1]
        for part in key.split("__"):
            last = getattr(last, part)
        next_cursor = base64.urlsafe_b64encode(
            json.dumps([last, items[-1].pk]).encode()).decode().rstrip("=")
    return {"items": items, "next_cursor": next_cursor}


def _decode_cursor(cursor: str, kind: type) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        decoded: Any = json.loads(raw.decode())
        value, last_id = decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise Invalid("invalid_cursor", _("The cursor is not valid."), field="cursor") from error
    known = ((type(value) is int and 0 <= value < 2**31) if kind is int
             else type(value) is str and "\x00" not in value)
    if not known or type(last_id) is not int or not 0 < last_id < 2**63:
        raise Invalid("invalid_cursor", _("The cursor is not valid."), field="cursor")
    return value, last_id


def _changes(payload: Any, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH sent; a null is kept only where it means something (clear)."""
    return {name: value for name, value in payload.dict(exclude_unset=True).items()
            if value is not None or name in nullable}


# --- calendars -----------------------------------------------------------------------------


@router.get("/service-levels/calendars", response=CalendarPageOut,
            operation_id="sla_calendar_list")
def calendar_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    """Business-hours calendars by name, with their holidays."""
    return _ordered_page(selectors.calendar_list(actor=_actor(request)), key="name", kind=str,
                         cursor=params.cursor, limit=params.limit)


@router.post("/service-levels/calendars", response={201: CalendarOut},
             operation_id="sla_calendar_create")
def calendar_create(request: HttpRequest, payload: CalendarIn) -> Any:
    """Admins. 422 `calendar_invalid` for hours such as 25:00-26:00 or an unknown time zone;
    409 `name_invalid` when the name is taken."""
    return Status(201, configuration.calendar_create(actor=_actor(request), **payload.dict()))


@router.get("/service-levels/calendars/{calendar_id}", response=CalendarOut,
            operation_id="sla_calendar_get")
def calendar_get(request: HttpRequest, calendar_id: ObjectId) -> Any:
    return selectors.calendar_get(actor=_actor(request), calendar_id=calendar_id)


@router.patch("/service-levels/calendars/{calendar_id}", response=CalendarOut,
              operation_id="sla_calendar_update")
def calendar_update(request: HttpRequest, calendar_id: ObjectId,
                    payload: CalendarPatchIn) -> Any:
    """Admins. Only the fields sent change; open conversations' clocks are recomputed."""
    return configuration.calendar_update(actor=_actor(request), calendar_id=calendar_id,
                                         **_changes(payload))


@router.delete("/service-levels/calendars/{calendar_id}", response={204: None},
               operation_id="sla_calendar_delete")
def calendar_delete(request: HttpRequest, calendar_id: ObjectId) -> Any:
    """Admins. Teams that used it fall back to the default calendar."""
    configuration.calendar_delete(actor=_actor(request), calendar_id=calendar_id)
    return Status(204, None)


@router.put("/service-levels/calendars/{calendar_id}/holidays", response=CalendarOut,
            operation_id="sla_calendar_set_holidays")
def calendar_set_holidays(request: HttpRequest, calendar_id: ObjectId,
                          payload: HolidaysIn) -> Any:
    """Admins. Replaces every holiday of the calendar (whole local days)."""
    return configuration.calendar_set_holidays(
        actor=_actor(request), calendar_id=calendar_id,
        holidays=[(holiday.date, holiday.name) for holiday in payload.holidays])


# --- SLA policies --------------------------------------------------------------------------


@router.get("/service-levels/policies", response=PolicyPageOut, operation_id="sla_policy_list")
def policy_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    """SLA policies in the order they are tried (position, then id)."""
    return _ordered_page(selectors.policy_list(actor=_actor(request)), key="position",
                         kind=int, cursor=params.cursor, limit=params.limit)


@router.post("/service-levels/policies", response={201: PolicyOut},
             operation_id="sla_policy_create")
def policy_create(request: HttpRequest, payload: PolicyIn) -> Any:
    """Admins. 422 `choices_invalid` for an unknown tier, priority or channel."""
    return Status(201, configuration.sla_policy_create(actor=_actor(request), **payload.dict()))


@router.get("/service-levels/policies/{policy_id}", response=PolicyOut,
            operation_id="sla_policy_get")
def policy_get(request: HttpRequest, policy_id: ObjectId) -> Any:
    return selectors.policy_get(actor=_actor(request), policy_id=policy_id)


@router.patch("/service-levels/policies/{policy_id}", response=PolicyOut,
              operation_id="sla_policy_update")
def policy_update(request: HttpRequest, policy_id: ObjectId, payload: PolicyPatchIn) -> Any:
    """Admins. Only the fields sent change; open conversations' clocks are recomputed."""
    return configuration.sla_policy_update(actor=_actor(request), policy_id=policy_id,
                                           **_changes(payload, POLICY_NULLABLE))


@router.delete("/service-levels/policies/{policy_id}", response={204: None},
               operation_id="sla_policy_delete")
def policy_delete(request: HttpRequest, policy_id: ObjectId) -> Any:
    configuration.sla_policy_delete(actor=_actor(request), policy_id=policy_id)
    return Status(204, None)


# --- routing rules -------------------------------------------------------------------------


@router.get("/service-levels/routing-rules", response=RulePageOut,
            operation_id="routing_rule_list")
def rule_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    """Routing rules in the order they are tried (position, then id)."""
    return _ordered_page(selectors.rule_list(actor=_actor(request)), key="position", kind=int,
                         cursor=params.cursor, limit=params.limit)


@router.post("/service-levels/routing-rules", response={201: RuleOut},
             operation_id="routing_rule_create")
def rule_create(request: HttpRequest, payload: RuleIn) -> Any:
    """Admins. 422 `routing_rule_invalid` when the rule does nothing, `team_not_found`."""
    return Status(201, configuration.routing_rule_create(actor=_actor(request),
                                                         **payload.dict()))


@router.post("/service-levels/routing-rules/order", response=RulePageOut,
             operation_id="routing_rules_reorder")
def rule_reorder(request: HttpRequest, payload: RuleOrderIn) -> Any:
    """Admins. The named rules get positions 10, 20, … in this order; returns the first page
    of the rules in their new order."""
    configuration.routing_rules_reorder(actor=_actor(request), rule_ids=payload.rule_ids)
    return _ordered_page(selectors.rule_list(actor=_actor(request)), key="position", kind=int,
                         cursor=None, limit=MAX_PAGE_SIZE)


@router.get("/service-levels/routing-rules/{rule_id}", response=RuleOut,
            operation_id="routing_rule_get")
def rule_get(request: HttpRequest, rule_id: ObjectId) -> Any:
    return selectors.rule_get(actor=_actor(request), rule_id=rule_id)


@router.patch("/service-levels/routing-rules/{rule_id}", response=RuleOut,
              operation_id="routing_rule_update")
def rule_update(request: HttpRequest, rule_id: ObjectId, payload: RulePatchIn) -> Any:
    """Admins. Only the fields sent change; `team_id: null` stops routing to a team."""
    return configuration.routing_rule_update(actor=_actor(request), rule_id=rule_id,
                                             **_changes(payload, RULE_NULLABLE))


@router.delete("/service-levels/routing-rules/{rule_id}", response={204: None},
               operation_id="routing_rule_delete")
def rule_delete(request: HttpRequest, rule_id: ObjectId) -> Any:
    configuration.routing_rule_delete(actor=_actor(request), rule_id=rule_id)
    return Status(204, None)


# --- team settings -------------------------------------------------------------------------


@router.get("/service-levels/teams", response=TeamSettingsPageOut,
            operation_id="team_service_list")
def team_settings_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    """Teams with service settings, by name. A team not listed assigns manually on the
    default calendar."""
    return _ordered_page(selectors.team_settings_list(actor=_actor(request)), key="team__name",
                         kind=str, cursor=params.cursor, limit=params.limit)


@router.put("/service-levels/teams/{team_id}", response=TeamSettingsOut,
            operation_id="team_service_update")
def team_settings_update(request: HttpRequest, team_id: ObjectId,
                         payload: TeamSettingsIn) -> Any:
    """Admins. Only the fields sent change; `calendar_id: null` uses the default calendar."""
    return configuration.team_service_update(actor=_actor(request), team_id=team_id,
                                             **payload.dict(exclude_unset=True))


# --- agents --------------------------------------------------------------------------------


@router.get("/service-levels/agents/{agent_id}/profile", response=AgentProfileOut,
            operation_id="agent_service_profile_get")
def agent_profile_get(request: HttpRequest, agent_id: ObjectId) -> Any:
    """Availability, capacity, languages and skills (defaults until first set)."""
    agent = agent_get(actor=_actor(request), agent_id=agent_id)  # 404 agent_not_found
    profiles = selectors.agent_profiles(actor=_actor(request), agent_ids=[agent.pk])
    return profiles.get(agent.pk) or AgentProfile(agent_id=agent.pk)  # the defaults


@router.patch("/service-levels/agents/{agent_id}/profile", response=AgentProfileOut,
              operation_id="agent_service_profile_update")
def agent_profile_update(request: HttpRequest, agent_id: ObjectId,
                         payload: AgentProfilePatchIn) -> Any:
    """Supervisors and admins. Only the fields sent change."""
    return assignment.agent_profile_update(actor=_actor(request), agent_id=agent_id,
                                           **_changes(payload))


@router.put("/service-levels/agents/{agent_id}/availability", response=AgentProfileOut,
            operation_id="agent_availability_set")
def agent_availability_set(request: HttpRequest, agent_id: ObjectId,
                           payload: AvailabilityIn) -> Any:
    """An agent sets their own; supervisors anyone's. Going away or offline hands the agent's
    active conversations back to their teams."""
    return assignment.agent_set_availability(actor=_actor(request), agent_id=agent_id,
                                             availability=payload.availability)


@router.put("/service-levels/me/availability", response=AgentProfileOut,
            operation_id="my_availability_set")
def my_availability_set(request: HttpRequest, payload: AvailabilityIn) -> Any:
    actor = _actor(request)
    return assignment.agent_set_availability(actor=actor, agent_id=actor.pk or 0,
                                             availability=payload.availability)


# --- a conversation's service state and hand-offs ------------------------------------------


@router.get("/conversations/{conversation_id}/service", response=ConversationServiceOut,
            operation_id="conversation_service")
def conversation_service(request: HttpRequest, conversation_id: ObjectId) -> Any:
    """SLA state and due times, escalation level, the routing rule, the customer's waiting,
    hand-offs (newest first, the note the next agent reads first) and internal requests."""
    conversation = conversation_get(actor=_actor(request), conversation_id=conversation_id)
    return conversation_service_out(conversation.pk, selectors.conversation_service(
        actor=_actor(request), conversation_id=conversation.pk))


@router.post("/conversations/{conversation_id}/hand-off", response={201: HandoffOut},
             operation_id="conversation_hand_off")
def conversation_hand_off(request: HttpRequest, conversation_id: ObjectId,
                          payload: HandoffIn) -> Any:
    """Move the conversation to another team with a required note. `escalate` (default)
    raises the escalation level; false is a referral. 422 `handoff_note_required`, 409
    `handoff_same_team`."""
    return Status(201, escalation.conversation_hand_off(
        actor=_actor(request), conversation_id=conversation_id, **payload.dict()))


# --- internal requests ---------------------------------------------------------------------


@router.get("/internal-requests", response=RequestPageOut, operation_id="internal_request_list")
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> Any:
    """Newest first, filtered by the asked team, owner, conversation or status."""
    return _page(selectors.request_page(actor=_actor(request), **filters.dict()))


@router.post("/internal-requests", response={201: RequestOut},
             operation_id="internal_request_create")
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    created = internal_requests.internal_request_create(actor=_actor(request), **payload.dict())
    return Status(201, selectors.request_get(actor=_actor(request), request_id=created.pk))


@router.get("/internal-requests/{request_id}", response=RequestOut,
            operation_id="internal_request_get")
def request_get(request: HttpRequest, request_id: ObjectId) -> Any:
    return selectors.request_get(actor=_actor(request), request_id=request_id)


@router.post("/internal-requests/{request_id}/assign", response=RequestOut,
             operation_id="internal_request_assign")
def request_assign(request: HttpRequest, request_id: ObjectId,
                   payload: RequestAssignIn) -> Any:
    """`owner_id: null` leaves it without an owner. 409 `internal_request_finished`."""
    internal_requests.internal_request_assign(actor=_actor(request), request_id=request_id,
                                              owner_id=payload.owner_id)
    return selectors.request_get(actor=_actor(request), request_id=request_id)


@router.post("/internal-requests/{request_id}/finish", response=RequestOut,
             operation_id="internal_request_finish")
def request_finish(request: HttpRequest, request_id: ObjectId,
                   payload: RequestFinishIn) -> Any:
    """Done with its outcome, or `cancelled`. 409 `internal_request_finished`."""
    internal_requests.internal_request_finish(actor=_actor(request), request_id=request_id,
                                              **payload.dict())
    return selectors.request_get(actor=_actor(request), request_id=request_id)


# --- alerts and a customer's waiting -------------------------------------------------------


@router.get("/service-levels/alerts", response=AlertPageOut, operation_id="sla_alert_list")
def alert_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    """The caller's own SLA warnings and breaches, newest first."""
    return _page(selectors.alert_page(actor=_actor(request), **params.dict()))


@router.get("/customers/{customer_id}/waiting", response=CustomerWaitingOut,
            operation_id="customer_waiting")
def customer_waiting(request: HttpRequest, customer_id: ObjectId) -> Any:
    """How long the customer has waited for us across their conversations."""
    customer = customer_get(actor=_actor(request), customer_id=customer_id)
    return customer_waiting_out(customer.pk, selectors.customer_waiting(
        actor=_actor(request), customer_id=customer.pk))
