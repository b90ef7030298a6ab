"""API schemas of the feedback context: bounded inputs, explicit outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from mehvar.core.pagination import MAX_PAGE_SIZE
from mehvar.core.schema import OutSchema

DB_ID_MAX = 2**63 - 1
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
ObjectId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
Kind = Literal["csat", "nps", "ces"]
Text = Annotated[str, StringConstraints(max_length=500, pattern=NO_CONTROLS)]


class SurveyTextsIn(Schema):
    question: Text | None = None
    comment: Text | None = None


class SurveyIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROLS)]
    kind: Kind
    trigger: Literal["solved", "manual"] = "solved"
    is_active: bool = True
    texts: dict[Literal["en", "ar", "fa", "el"], SurveyTextsIn] = Field(
        default_factory=dict, description='Wording per language, e.g. {"fa": {"question": '
                                          '"…", "comment": "…"}}; missing: the shipped text')


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
    is_active: bool
    texts: dict[str, dict[str, str]]
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
