"""Input and output shapes of the service levels API: calendars and holidays, SLA policies,
routing rules, team settings, agents' availability and skills, a conversation's service
state and hand-offs, internal requests, SLA alerts and a customer's waiting.

Inputs bound every string, number and list; the services check the finer rules (known tiers,
channels and priorities, valid opening hours, existing teams). Outputs read the selectors' rows
(which have already joined what they show), or are built by the mappers at the end."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from mehvar.core.pagination import MAX_PAGE_SIZE
from mehvar.core.schema import Listed, OutSchema
from mehvar.service_levels.models import (
    AssignmentMode,
    Availability,
    BusinessHoursCondition,
    RequestStatus,
)
from mehvar.service_levels.selectors import ConversationService, CustomerWaiting
from mehvar.service_levels.services.configuration import MAX_HOLIDAYS
from mehvar.service_levels.services.escalation import MAX_NOTE
from mehvar.service_levels.services.requests import MAX_DETAILS, MAX_TITLE
from mehvar.service_levels.validation import MAX_ITEM, MAX_LIST, MAX_NAME

DB_ID_MAX = 2**63 - 1
# No C0 control characters but tab and newlines, no DEL: PostgreSQL cannot store NUL, and the
# services store names, codes and texts as given.
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
ObjectId = Annotated[int, Field(ge=-DB_ID_MAX, le=DB_ID_MAX)]
# A cursor holds a name of up to 100 characters (400 bytes of UTF-8) in base64.
Cursor = Annotated[str, StringConstraints(max_length=1000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME, pattern=NO_CONTROLS)]
Code = Annotated[str, StringConstraints(max_length=MAX_ITEM, pattern=NO_CONTROLS)]
Codes = Annotated[list[Code], Field(max_length=MAX_LIST)]
Ids = Annotated[list[ObjectId], Field(max_length=MAX_LIST)]
Language = Annotated[str, StringConstraints(max_length=16, pattern=NO_CONTROLS)]
Languages = Annotated[list[Language], Field(max_length=MAX_LIST)]
Position = Annotated[int, Field(ge=0, le=10_000)]
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 365)]
AtRiskPercent = Annotated[int, Field(ge=0, le=99)]
Capacity = Annotated[int, Field(ge=0, le=500)]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Interval = Annotated[str, StringConstraints(max_length=16, pattern=NO_CONTROLS)]
WeeklyHours = dict[Day, Annotated[list[Interval], Field(max_length=24)]]
LocalDate = date  # a field named `date` would hide the type inside its class
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_CONTROLS)]

WEEKLY_EXAMPLE = {"sun": ["09:00-17:00"], "mon": ["09:00-13:00", "14:00-18:00"]}


# --- inputs --------------------------------------------------------------------------------


class PageParams(Schema):
    cursor: Cursor | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class CalendarIn(Schema):
    """`weekly_hours` maps a day (mon … sun) to its opening intervals in the calendar's time
    zone; a day left out is closed."""

    name: Name
    time_zone: TimeZone = Field("UTC", description="An IANA name such as Asia/Tehran")
    weekly_hours: WeeklyHours = Field(examples=[WEEKLY_EXAMPLE],
                                      description="At least one open interval in the week")
    is_default: bool = Field(False, description="Used by teams without their own calendar")


class CalendarPatchIn(Schema):
    """Only the fields sent change; `weekly_hours` replaces the whole week."""

    name: Name | None = None
    time_zone: TimeZone | None = None
    weekly_hours: WeeklyHours | None = None
    is_default: bool | None = None


class HolidayIn(Schema):
    date: LocalDate = Field(description="A local date in the calendar's time zone")
    name: str = Field("", max_length=100, pattern=NO_CONTROLS)


class HolidaysIn(Schema):
    holidays: list[HolidayIn] = Field(max_length=MAX_HOLIDAYS * 5)


class PolicyIn(Schema):
    """Every non-empty condition must hold (a list matches any of its values); a target left
    out (null) is not measured."""

    name: Name
    position: Position = 0
    is_active: bool = True
    tiers: Codes = Field(default_factory=list)
    segment_ids: Ids = Field(default_factory=list)
    priorities: Codes = Field(default_factory=list)
    channels: Codes = Field(default_factory=list)
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    business_hours: bool = Field(True, description="Count business hours only")
    at_risk_percent: AtRiskPercent = 75


class PolicyPatchIn(Schema):
    """Only the fields sent change; a target sent as null is no longer measured."""

    name: Name | None = None
    position: Position | None = None
    is_active: bool | None = None
    tiers: Codes | None = None
    segment_ids: Ids | None = None
    priorities: Codes | None = None
    channels: Codes | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    business_hours: bool | None = None
    at_risk_percent: AtRiskPercent | None = None


POLICY_NULLABLE = frozenset({"first_response_minutes", "next_response_minutes",
                             "resolution_minutes"})


class RuleIn(Schema):
    """Conditions (every non-empty one must hold) and actions (at least one of `team_id`,
    `priority`, `add_tags`)."""

    name: Name
    position: Position = 0
    is_active: bool = True
    channels: Codes = Field(default_factory=list)
    languages: Languages = Field(default_factory=list)
    keywords: Codes = Field(default_factory=list)
    tags: Codes = Field(default_factory=list)
    intents: Codes = Field(default_factory=list)
    tiers: Codes = Field(default_factory=list)
    segment_ids: Ids = Field(default_factory=list)
    business_hours: BusinessHoursCondition = BusinessHoursCondition.ANY
    team_id: ObjectId | None = Field(None, description="Route to this team")
    priority: str = Field("", max_length=16, pattern=NO_CONTROLS,
                          description="Set this priority")
    add_tags: Codes = Field(default_factory=list)


class RulePatchIn(Schema):
    """Only the fields sent change; `team_id: null` stops routing to a team."""

    name: Name | None = None
    position: Position | None = None
    is_active: bool | None = None
    channels: Codes | None = None
    languages: Languages | None = None
    keywords: Codes | None = None
    tags: Codes | None = None
    intents: Codes | None = None
    tiers: Codes | None = None
    segment_ids: Ids | None = None
    business_hours: BusinessHoursCondition | None = None
    team_id: ObjectId | None = None
    priority: str | None = Field(None, max_length=16, pattern=NO_CONTROLS)
    add_tags: Codes | None = None


RULE_NULLABLE = frozenset({"team_id"})


class RuleOrderIn(Schema):
    rule_ids: list[ObjectId] = Field(min_length=1, max_length=MAX_LIST,
                                     description="Positions become 10, 20, … in this order")


class TeamSettingsIn(Schema):
    """Only the fields sent change; `calendar_id: null` uses the default calendar."""

    assignment_mode: AssignmentMode | None = None
    calendar_id: ObjectId | None = None


class AgentProfilePatchIn(Schema):
    capacity: Capacity | None = Field(None, description="Active conversations at most")
    languages: Languages | None = None
    skills: Codes | None = None


class AvailabilityIn(Schema):
    availability: Availability


class HandoffIn(Schema):
    team_id: ObjectId
    note: str = Field(max_length=MAX_NOTE, pattern=NO_CONTROLS,
                      description="What the customer needs and what was done (required)")
    escalate: bool = Field(True, description="False: a referral at the same level")


class RequestFilters(PageParams):
    team_id: ObjectId | None = Field(None, description="The asked team")
    owner_id: ObjectId | None = None
    conversation_id: ObjectId | None = None
    status: RequestStatus | None = Field(None, description="Every status when left out")


class RequestIn(Schema):
    to_team_id: ObjectId
    title: str = Field(min_length=1, max_length=MAX_TITLE, pattern=NO_CONTROLS)
    details: str = Field("", max_length=MAX_DETAILS, pattern=NO_CONTROLS)
    due_at: AwareDatetime | None = Field(None, description="In the future, with a UTC offset")
    conversation_id: ObjectId | None = None
    owner_id: ObjectId | None = None
    from_team_id: ObjectId | None = None


class RequestAssignIn(Schema):
    owner_id: ObjectId | None = Field(description="null: nobody owns it")


class RequestFinishIn(Schema):
    outcome: str = Field("", max_length=MAX_DETAILS, pattern=NO_CONTROLS)
    cancelled: bool = False


# --- outputs -------------------------------------------------------------------------------


class RefOut(OutSchema):
    id: int
    name: str


class HolidayOut(OutSchema):
    date: LocalDate
    name: str


class CalendarOut(OutSchema):
    id: int
    name: str
    time_zone: str
    weekly_hours: dict[str, list[str]]
    is_default: bool
    holidays: Listed[HolidayOut]
    updated_at: datetime


class CalendarPageOut(OutSchema):
    items: list[CalendarOut]
    next_cursor: str | None


class PolicyOut(OutSchema):
    id: int
    name: str
    position: int
    is_active: bool
    tiers: list[str]
    segment_ids: list[int]
    priorities: list[str]
    channels: list[str]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    business_hours: bool
    at_risk_percent: int
    created_at: datetime
    updated_at: datetime


class PolicyPageOut(OutSchema):
    items: list[PolicyOut]
    next_cursor: str | None


class RuleOut(OutSchema):
    id: int
    name: str
    position: int
    is_active: bool
    channels: list[str]
    languages: list[str]
    keywords: list[str]
    tags: list[str]
    intents: list[str]
    tiers: list[str]
    segment_ids: list[int]
    business_hours: str
    team: RefOut | None
    priority: str
    add_tags: list[str]
    created_at: datetime
    updated_at: datetime


class RulePageOut(OutSchema):
    items: list[RuleOut]
    next_cursor: str | None


class TeamSettingsOut(OutSchema):
    team: RefOut
    assignment_mode: str
    calendar: RefOut | None = Field(description="null: the default calendar")


class TeamSettingsPageOut(OutSchema):
    items: list[TeamSettingsOut]
    next_cursor: str | None


class AgentProfileOut(OutSchema):
    agent_id: int
    availability: str
    capacity: int
    languages: list[str]
    skills: list[str]
    availability_changed_at: datetime | None


class HandoffOut(OutSchema):
    id: int
    conversation_id: int
    note: str
    from_team: RefOut | None
    to_team: RefOut
    by_agent: RefOut | None
    level: int
    created_at: datetime


class RequestBriefOut(OutSchema):
    id: int
    title: str
    status: str
    to_team: RefOut
    owner: RefOut | None
    due_at: datetime | None
    outcome: str
    created_at: datetime
    done_at: datetime | None


class RequestOut(RequestBriefOut):
    details: str
    conversation_id: int | None
    requested_by: RefOut | None
    from_team: RefOut | None


class RequestPageOut(OutSchema):
    items: list[RequestOut]
    next_cursor: str | None


class ConversationServiceOut(OutSchema):
    conversation_id: int
    state: str = Field(description="none, on_track, at_risk, breached, paused or done")
    policy: RefOut | None
    calendar: RefOut | None
    first_response_due: datetime | None
    next_response_due: datetime | None
    resolution_due: datetime | None
    deadline: datetime | None = Field(description="The next due time")
    breached: list[str]
    paused: bool
    escalation_level: int
    routed_by: RefOut | None = Field(description="The routing rule that placed it")
    waiting_since: datetime | None
    waited_seconds: int = Field(description="The customer's waiting for us, the current wait "
                                            "included")
    handoffs: list[HandoffOut] = Field(description="Newest first")
    requests: list[RequestBriefOut] = Field(description="Internal requests, newest first")


class ConversationRefOut(OutSchema):
    id: int
    subject: str


class AlertOut(OutSchema):
    id: int
    kind: str = Field(description="warning or breach")
    target: str
    due: datetime
    created_at: datetime
    read_at: datetime | None
    conversation: ConversationRefOut


class AlertPageOut(OutSchema):
    items: list[AlertOut]
    next_cursor: str | None


class CustomerWaitingOut(OutSchema):
    customer_id: int
    conversations: int
    total_seconds: int
    average_seconds: int
    waiting_now: int = Field(description="Conversations where the customer waits right now")


# --- mappers -------------------------------------------------------------------------------


def conversation_service_out(conversation_id: int, service: ConversationService
                             ) -> dict[str, Any]:
    state = service.state
    return {
        "conversation_id": conversation_id,
        "state": state.state if state else "none",
        "policy": state.policy if state else None,
        "calendar": state.calendar if state else None,
        "first_response_due": state.first_response_due if state else None,
        "next_response_due": state.next_response_due if state else None,
        "resolution_due": state.resolution_due if state else None,
        "deadline": state.deadline if state else None,
        "breached": list(state.breached) if state else [],
        "paused": bool(state and state.paused_since is not None),
        "escalation_level": state.escalation_level if state else 0,
        "routed_by": state.routed_by if state else None,
        "waiting_since": state.waiting_since if state else None,
        "waited_seconds": service.waited_seconds,
        "handoffs": service.handoffs,
        "requests": service.requests,
    }


def customer_waiting_out(customer_id: int, waiting: CustomerWaiting) -> dict[str, Any]:
    return {"customer_id": customer_id, "conversations": waiting.conversations,
            "total_seconds": waiting.total_seconds, "average_seconds": waiting.average_seconds,
            "waiting_now": waiting.waiting_now}

