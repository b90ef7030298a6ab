"""Input and output shapes of the customers API. Inputs bound every string and list; outputs are
built from the selectors' results."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import (
    BeforeValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
)

from mehvar.core.schema import Listed, OutSchema
from mehvar.customers.models import IdentityKind, JourneyStage, SegmentMatch, Tier

DB_ID_MAX = 2**63 - 1
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14,
                                 decimal_places=2)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ConsentKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SignedMoney = Annotated[Decimal, Field(ge=Decimal("-999999999999.99"),
                                       le=Decimal("999999999999.99"), max_digits=14,
                                       decimal_places=2)]
ObjectId = Annotated[int, Field(ge=-DB_ID_MAX, le=DB_ID_MAX)]
# A translatable text (gettext_lazy), rendered in the request's language.
Translated = Annotated[str, BeforeValidator(str)]
ConditionText = Annotated[StrictStr, StringConstraints(max_length=64)]
ConditionScalar = StrictInt | StrictFloat | ConditionText
ConditionList = Annotated[list[ConditionScalar], Field(min_length=1, max_length=50)]


# --- inputs --------------------------------------------------------------------------------


class IdentityIn(Schema):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)
    is_primary: bool = False


class CustomerIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    language: str = Field("", max_length=16)
    time_zone: str = Field("", max_length=64)
    journey_stage: JourneyStage = JourneyStage.ACTIVE
    tier: Tier = Tier.STANDARD
    segment_tags: list[Tag] = Field(default_factory=list, max_length=50)
    lifetime_value: Money = Decimal("0")
    cost_to_serve: Money = Decimal("0")
    custom_attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)
    consent: dict[ConsentKey, bool] = Field(default_factory=dict, max_length=20)
    notes: str = Field("", max_length=10_000)
    organization_id: ObjectId | None = None
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class CustomerPatchIn(Schema):
    """Only the fields sent change; `organization_id: null` detaches the organization."""

    name: str | None = Field(None, min_length=1, max_length=200)
    language: str | None = Field(None, max_length=16)
    time_zone: str | None = Field(None, max_length=64)
    journey_stage: JourneyStage | None = None
    tier: Tier | None = None
    segment_tags: list[Tag] | None = Field(None, max_length=50)
    lifetime_value: Money | None = None
    cost_to_serve: Money | None = None
    custom_attributes: dict[str, Any] | None = Field(None, max_length=100)
    consent: dict[ConsentKey, bool] | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=10_000)
    organization_id: ObjectId | None = None


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Name, or any identity")
    identity: str | None = Field(None, max_length=320,
                                 description="Any identity, in any format it is typed in")
    organization_id: ObjectId | None = None
    tier: Tier | None = None
    journey_stage: JourneyStage | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class MergeIn(Schema):
    source_id: ObjectId


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class Customer360Params(Schema):
    conversations_cursor: str | None = Field(None, max_length=200)
    timeline_cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    domain: str = Field("", max_length=253)
    notes: str = Field("", max_length=10_000)
    custom_attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)


class OrganizationPatchIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=253)
    notes: str | None = Field(None, max_length=10_000)
    custom_attributes: dict[str, Any] | None = Field(None, max_length=100)


class OrganizationFilters(Schema):
    q: str | None = Field(None, max_length=200)
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class OrderIn(Schema):
    """`ordered_at` without an offset is read in the company's time zone."""

    amount: Money
    ordered_at: datetime
    external_id: str = Field("", max_length=200)


class ValueRecomputeIn(Schema):
    """Given ids (at most 500) are recomputed now; without them every customer is
    recomputed in the background."""

    customer_ids: list[ObjectId] | None = Field(None, min_length=1, max_length=500)


class TierRuleIn(Schema):
    tier: Tier
    position: int = Field(0, ge=0, le=10_000)
    min_revenue: Money | None = None
    min_profitability: SignedMoney | None = None
    min_orders: int | None = Field(None, ge=0, le=2**31 - 1)
    is_active: bool = True


class TierRulePatchIn(Schema):
    """Only the fields sent change; a threshold sent as null no longer applies."""

    tier: Tier | None = None
    position: int | None = Field(None, ge=0, le=10_000)
    min_revenue: Money | None = None
    min_profitability: SignedMoney | None = None
    min_orders: int | None = Field(None, ge=0, le=2**31 - 1)
    is_active: StrictBool | None = None


class ConditionIn(Schema):
    field: str = Field(max_length=32)
    op: str = Field(max_length=16)
    value: ConditionScalar | ConditionList


class SegmentIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2_000)
    match: SegmentMatch = SegmentMatch.ALL
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20)


class SegmentPatchIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2_000)
    match: SegmentMatch | None = None
    conditions: list[ConditionIn] | None = Field(None, max_length=20)


# --- outputs -------------------------------------------------------------------------------


class RefOut(OutSchema):
    id: int
    name: str


class IdentityOut(OutSchema):
    id: int
    kind: str
    value: str
    is_primary: bool
    is_verified: bool
    created_at: datetime


class OrganizationOut(OutSchema):
    id: int
    name: str
    domain: str
    notes: str
    custom_attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class OrganizationPageOut(OutSchema):
    items: list[OrganizationOut]
    next_cursor: str | None


class CustomerOut(OutSchema):
    id: int
    name: str
    language: str
    time_zone: str
    journey_stage: str
    tier: str
    segment_tags: list[str]
    lifetime_value: Decimal
    cost_to_serve: Decimal
    profitability: Decimal
    order_count: int
    satisfaction: int | None = Field(None, description="The latest survey answer, 0–100")
    custom_attributes: dict[str, Any]
    consent: dict[str, bool]
    notes: str
    organization: RefOut | None
    identities: Listed[IdentityOut]
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime


class CustomerPageOut(OutSchema):
    items: list[CustomerOut]
    next_cursor: str | None


class DuplicateOut(OutSchema):
    customer: CustomerOut
    reasons: list[str]


class DuplicatesOut(OutSchema):
    items: list[DuplicateOut]


class TimelineEventOut(OutSchema):
    id: int
    at: datetime
    verb: str
    actor: RefOut | None
    conversation_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]


class TimelinePageOut(OutSchema):
    items: list[TimelineEventOut]
    next_cursor: str | None


class ConversationSummaryOut(OutSchema):
    id: int
    subject: str
    status: str
    priority: str
    channel: str
    language: str
    created_at: datetime
    last_message_at: datetime | None
    assignee: RefOut | None
    team: RefOut | None


class ConversationPageOut(OutSchema):
    items: list[ConversationSummaryOut]
    next_cursor: str | None


class StatsOut(OutSchema):
    by_status: dict[str, int]
    by_channel: dict[str, int]


class Customer360Out(OutSchema):
    customer: CustomerOut
    organization: OrganizationOut | None
    conversations: ConversationPageOut
    timeline: TimelinePageOut
    stats: StatsOut


class OrderOut(OutSchema):
    id: int
    customer_id: int
    external_id: str
    amount: Decimal
    ordered_at: datetime
    created_at: datetime


class OrderPageOut(OutSchema):
    items: list[OrderOut]
    next_cursor: str | None


class RowErrorOut(OutSchema):
    line: int
    column: str
    code: str
    detail: Translated


class OrderImportOut(OutSchema):
    """`errors` lists the first 500 refused rows; `error_count` counts them all."""

    rows: int
    created: int
    unchanged: int
    error_count: int
    errors: list[RowErrorOut]
    customers: int


class ValueRecomputeOut(OutSchema):
    scheduled: bool
    customers: int
    changed: int
    tiers_changed: int


class TierRuleOut(OutSchema):
    id: int
    tier: str
    position: int
    min_revenue: Decimal | None
    min_profitability: Decimal | None
    min_orders: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TierRuleListOut(OutSchema):
    items: list[TierRuleOut]


class SegmentOut(OutSchema):
    id: int
    name: str
    description: str
    match: str
    conditions: list[dict[str, Any]]
    created_by: RefOut | None
    created_at: datetime
    updated_at: datetime


class SegmentPageOut(OutSchema):
    items: list[SegmentOut]
    next_cursor: str | None


class SegmentCountOut(OutSchema):
    count: int


class SegmentRefOut(OutSchema):
    id: int
    name: str


class CustomerSegmentsOut(OutSchema):
    items: list[SegmentRefOut]
