"""API schemas of the intelligence context: bounded inputs, explicit outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from mehvar.core.schema import OutSchema

DB_ID_MAX = 2**63 - 1
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
ObjectId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
Example = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                        pattern=r"^[a-z][a-z0-9_-]*$")]


class InsightCorrectIn(Schema):
    sentiment: Literal["", "negative", "neutral", "positive"] | None = None
    intent: Annotated[str, StringConstraints(max_length=64)] | None = None


class MessageInsightOut(OutSchema):
    message_id: int
    language: str
    language_confidence: float
    sentiment: str
    sentiment_score: float
    emotion: str
    emotion_score: float
    intent: str
    intent_score: float
    model_versions: dict[str, str]
    corrected_sentiment: str
    corrected_intent: str
    corrected_at: datetime | None
    analyzed_at: datetime


class RiskReasonOut(Schema):
    feature: str
    weight: float


class ConversationInsightOut(OutSchema):
    conversation_id: int
    sentiment: str
    sentiment_score: float
    intent: str
    intent_score: float
    risk: float | None
    risk_level: str
    risk_reasons: list[RiskReasonOut]
    risk_model: str
    updated_at: datetime


class ConversationInsightsOut(Schema):
    conversation: ConversationInsightOut | None
    messages: list[MessageInsightOut]


class IntentIn(Schema):
    name: Code
    label: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROLS)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    examples: list[Example] = Field(default_factory=list, max_length=500)
    tag: Annotated[str, StringConstraints(max_length=64, pattern=NO_CONTROLS)] = ""


class IntentChangeIn(Schema):
    label: Annotated[str, StringConstraints(min_length=1, max_length=200,
                                            pattern=NO_CONTROLS)] | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    examples: list[Example] | None = Field(None, max_length=500)
    tag: Annotated[str, StringConstraints(max_length=64, pattern=NO_CONTROLS)] | None = None
    is_active: bool | None = None


class IntentOut(OutSchema):
    id: int
    name: str
    label: str
    description: str
    examples: list[str]
    tag: str
    is_active: bool
    updated_at: datetime


class IntentListOut(Schema):
    items: list[IntentOut]


class ModelTrainIn(Schema):
    task: Literal["sentiment", "intent", "satisfaction"]
    language: Literal["", "en", "ar", "fa", "el"] = ""


class TrainedModelOut(OutSchema):
    id: int
    task: str
    language: str
    version: int
    backend: str
    size_bytes: int
    train_size: int
    classes: list[str]
    metrics: dict[str, Any]
    is_active: bool
    trained_at: datetime


class TrainedModelListOut(Schema):
    items: list[TrainedModelOut]
