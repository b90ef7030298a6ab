"""API schemas of the feedback context: bounded inputs, explicit outputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, StringConstraints

from mehvar.core.pagination import MAX_PAGE_SIZE
from mehvar.core.schema import Listed, OutSchema

DB_ID_MAX = 2**63 - 1
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
ObjectId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
Kind = Literal["csat", "nps", "ces"]
Text = Annotated[str, StringConstraints(max_length=500, pattern=NO_CONTROLS)]


class SurveyTextsIn(Schema):
    question: Text | None = None
    comment: Text | None = None


Language = Literal["en", "ar", "fa", "el"]


class QuestionTextsIn(Schema):
    label: Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=NO_CONTROLS)]
    options: list[Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROLS)]] = (
        Field(default_factory=list, max_length=8))


class QuestionIn(Schema):
    key: Annotated[str, StringConstraints(min_length=1, max_length=40,
                                          pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    kind: Literal["choice", "text"]
    texts: dict[Language, QuestionTextsIn]


class SurveyIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROLS)]
    kind: Kind
    trigger: Literal["solved", "after_solved", "manual"] = "solved"
    delay_days: int = Field(0, ge=0, le=365, description="Days to wait after solving "
                                                          "(trigger after_solved)")
    is_active: bool = True
    texts: dict[Language, SurveyTextsIn] = Field(
        default_factory=dict, description='Wording per language, e.g. {"fa": {"question": '
                                          '"…", "comment": "…"}}; missing: the shipped text')
    questions: list[QuestionIn] = Field(
        default_factory=list, max_length=5,
        description="Optional extra questions shown after the score: a choice (2–8 options, "
                    "answered with the option's index) or a free text")
    complaint_keywords: list[Annotated[str, StringConstraints(
        min_length=1, max_length=100, pattern=NO_CONTROLS)]] = Field(
        default_factory=list, max_length=50,
        description="Words or phrases (any language) that make a comment a complaint "
                    "whatever its score")


class SurveySendIn(Schema):
    survey_id: ObjectId


class FigureParams(Schema):
    kind: Kind
    group_by: Literal["none", "agent", "team", "channel"] = "none"
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class ResponseParams(Schema):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    conversation_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    kind: Kind | None = None


class SurveyOut(OutSchema):
    id: int
    name: str
    kind: str
    trigger: str
    delay_days: int
    is_active: bool
    texts: dict[str, dict[str, str]]
    questions: list[dict[str, Any]]
    complaint_keywords: list[str]
    created_at: datetime
    updated_at: datetime


class SurveyListOut(Schema):
    items: list[SurveyOut]


class InvitationOut(OutSchema):
    id: int
    kind: str
    customer_id: int
    conversation_id: int | None
    agent_id: int | None
    team_id: int | None
    channel: str
    language: str
    created_at: datetime
    expires_at: datetime


class ResponseOut(OutSchema):
    invitation_id: int
    kind: str
    score: int
    comment: str
    answers: dict[str, int | str]
    customer_id: int
    conversation_id: int | None
    agent_id: int | None
    team_id: int | None
    channel: str
    answered_at: datetime
    editable_until: datetime


class ResponsePageOut(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class FigureOut(OutSchema):
    group: int | str | None
    responses: int
    value: float | None = Field(description="CSAT: % answering 4–5; NPS: % promoters (9–10) "
                                            "minus % detractors (0–6); CES: the mean score")


class FiguresOut(Schema):
    kind: str
    group_by: str
    items: list[FigureOut]


# --- complaints ----------------------------------------------------------------------------

Category = Literal["product", "service", "facilities", "advertising", "staff_behaviour",
                   "price_quality", "warranty", "complaint_handling"]
Severity = Literal["low", "medium", "high", "critical"]
ComplaintStatus = Literal["open", "in_progress", "resolved", "closed"]
ActionKind = Literal["apology", "refund", "credit_or_discount", "replacement", "callback"]
LongText = Annotated[str, StringConstraints(max_length=5000, pattern=NO_CONTROLS)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12,
                                 decimal_places=2)]
# An amount out, always with two decimals ("25.00"; SQLite's sums come back as "25").
MoneyOut = Annotated[Decimal, AfterValidator(lambda value: value.quantize(Decimal("0.01")))]


class ComplaintIn(Schema):
    customer_id: ObjectId | None = None
    conversation_id: ObjectId | None = Field(
        None, description="The conversation it is about; its customer, team and channel "
                          "are used. Give this or customer_id.")
    category: Category
    severity: Severity
    description: LongText
    owner_id: ObjectId | None = Field(
        None, description="Missing: the conversation's team lead, else its assignee, else "
                          "the caller")
    team_id: ObjectId | None = None


class ComplaintAssignIn(Schema):
    owner_id: ObjectId
    team_id: ObjectId | None = None


class RecoveryActionIn(Schema):
    kind: ActionKind
    cost: Money = Decimal("0")
    note: LongText = ""


class ComplaintResolveIn(Schema):
    outcome: LongText
    root_cause: LongText = ""


class ComplaintCloseIn(Schema):
    outcome: LongText = Field("", description="Required when the complaint was not resolved: "
                                              "why it is closed")


class ComplaintParams(Schema):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    status: ComplaintStatus | None = None
    owner_id: ObjectId | None = None
    customer_id: ObjectId | None = None


class PeriodParams(Schema):
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class RefOut(OutSchema):
    id: int
    name: str


class SurveyAnswerOut(OutSchema):
    invitation_id: int
    kind: str
    score: int
    comment: str
    answered_at: datetime


class FollowUpOut(OutSchema):
    id: int
    kind: str
    channel: str
    created_at: datetime
    # The invitation's reverse one-to-one raises AttributeError when unanswered: None.
    response: SurveyAnswerOut | None = Field(None, description="The customer's answer, once "
                                                               "given")


class ComplaintOut(OutSchema):
    id: int
    customer: RefOut
    conversation_id: int | None
    source: str = Field(description="agent, survey or customer")
    category: str
    severity: str
    status: str
    owner: RefOut | None
    team: RefOut | None
    raised_by_id: int | None
    description: str
    language: str
    root_cause: str
    outcome: str
    due_at: datetime
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    recovery_cost: MoneyOut = Field(description="The sum of the recovery actions' costs")
    response: SurveyAnswerOut | None = Field(description="The survey answer that raised it")
    follow_up_invitation: FollowUpOut | None = Field(
        description="The survey sent when it was resolved, with its answer")


class RecoveryActionOut(OutSchema):
    id: int
    kind: str
    cost: MoneyOut
    note: str
    created_by: RefOut | None
    created_at: datetime


class ComplaintDetailOut(ComplaintOut):
    actions: Listed[RecoveryActionOut]


class ComplaintPageOut(Schema):
    items: list[ComplaintOut]
    next_cursor: str | None


class RecoveryCostOut(OutSchema):
    category: str
    actions: int
    total: MoneyOut


class RecoveryCostsOut(Schema):
    items: list[RecoveryCostOut]
    total: MoneyOut


# --- relationship surveys ------------------------------------------------------------------


class ScheduleIn(Schema):
    survey_id: ObjectId
    segment_id: ObjectId
    every_days: int = Field(ge=1, le=366)
    is_active: bool = True


class ScheduleOut(OutSchema):
    id: int
    survey_id: int
    segment_id: int
    every_days: int
    is_active: bool
    next_run_at: datetime
    last_run_at: datetime | None


# --- feedback to product -------------------------------------------------------------------

FeedbackStatus = Literal["new", "under_review", "planned", "shipped", "declined"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROLS)]


class ProductAreaIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROLS)]
    description: LongText = ""


class ProductAreaOut(OutSchema):
    id: int
    name: str
    description: str


class ProductAreaListOut(Schema):
    items: list[ProductAreaOut]


class FeedbackItemIn(Schema):
    title: Title
    description: LongText = ""
    area_id: ObjectId | None = None
    response_id: ObjectId | None = Field(None, description="File this survey answer's comment")
    conversation_id: ObjectId | None = Field(None, description="File this conversation")
    text: LongText = Field("", description="With a conversation: the customer's words to "
                                           "file (default: their first message)")


class FeedbackAttachIn(Schema):
    response_id: ObjectId | None = None
    conversation_id: ObjectId | None = None
    text: LongText = ""


class FeedbackItemChangeIn(Schema):
    title: Title | None = None
    description: LongText | None = None
    area_id: ObjectId | None = Field(None, description="Move the item to this product area")
    clear_area: bool = Field(False, description="Take the item out of its product area")


class FeedbackStatusIn(Schema):
    status: FeedbackStatus


class FeedbackParams(Schema):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    status: FeedbackStatus | None = None
    area_id: ObjectId | None = None


class AreaRefOut(OutSchema):
    id: int
    name: str


class FeedbackItemOut(OutSchema):
    id: int
    title: str
    description: str
    status: str
    area: AreaRefOut | None
    customer_count: int = Field(description="Customers asking (each counts once)")
    customer_value: MoneyOut = Field(description="Their total lifetime value")
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None


class FeedbackPageOut(Schema):
    items: list[FeedbackItemOut]
    next_cursor: str | None


class CustomerRefOut(OutSchema):
    id: int
    name: str


class FeedbackCommentOut(OutSchema):
    id: int
    source: str
    text: str
    language: str
    customer: CustomerRefOut
    response_id: int | None
    conversation_id: int | None
    created_at: datetime


class FeedbackAskerOut(OutSchema):
    customer: CustomerRefOut
    conversation_id: int | None
    asked_at: datetime
    notified_at: datetime | None


class FeedbackItemDetailOut(FeedbackItemOut):
    comments: Listed[FeedbackCommentOut]
    askers: Listed[FeedbackAskerOut]


# --- webhooks ------------------------------------------------------------------------------

WebhookEventName = Literal["feedback_item.created", "feedback_item.changed"]


class WebhookEndpointIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROLS)]
    url: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_CONTROLS)]
    secret: Annotated[str, StringConstraints(min_length=16, max_length=200,
                                             pattern=NO_CONTROLS)]
    is_active: bool = True
    events: list[WebhookEventName] = Field(default_factory=list, max_length=2,
                                           description="Empty: every event")


class WebhookEndpointOut(OutSchema):
    """The secret is never shown back."""

    id: int
    name: str
    url: str
    is_active: bool
    events: list[str]
    created_at: datetime
    failed: int = Field(0, description="Deliveries given up on (in the list only)")


class WebhookEndpointListOut(Schema):
    items: list[WebhookEndpointOut]


class WebhookAttemptOut(OutSchema):
    attempted_at: datetime
    status_code: int | None
    error: str
    response_body: str
    duration_ms: int


class WebhookDeliveryOut(OutSchema):
    id: int
    delivery_id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: Listed[WebhookAttemptOut]


class WebhookDeliveryPageOut(Schema):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None


class PageParams(Schema):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
