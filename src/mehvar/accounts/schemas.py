"""Input and output shapes of the accounts API. Inputs are bounded; outputs never carry a
token's hash, and its secret only in the one response that creates it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime

from mehvar.core.pagination import MAX_PAGE_SIZE
from mehvar.core.schema import Listed, OutSchema


class PageQuery(Schema):
    # A name cursor holds up to 150 characters of UTF-8 in base64 (about 800 characters).
    cursor: str | None = Field(None, max_length=1000,
                               description="`next_cursor` of the previous page.")
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class TokenListQuery(PageQuery):
    agent_id: int | None = Field(None, description="Another agent's tokens (admins only).")


class TeamRefOut(OutSchema):
    id: int
    name: str


class AgentRefOut(OutSchema):
    id: int
    name: str


class AgentOut(OutSchema):
    id: int
    username: str
    name: str
    email: str
    role: str
    language: str
    time_zone: str
    is_active: bool
    teams: Listed[TeamRefOut]


class AgentPageOut(OutSchema):
    items: list[AgentOut]
    next_cursor: str | None


class TeamOut(OutSchema):
    id: int
    name: str
    description: str
    lead: AgentRefOut | None
    members: Listed[AgentRefOut]
    created_at: datetime


class TeamPageOut(OutSchema):
    items: list[TeamOut]
    next_cursor: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    agent_id: int | None = Field(None, description="Create the token for this agent (admins).")
    expires_at: AwareDatetime | None = Field(
        None, description="When the token stops working; with a UTC offset, in the future."
    )


class TokenOut(OutSchema):
    id: int
    agent_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="Shown only in this response; store it now.")


class TokenPageOut(OutSchema):
    items: list[TokenOut]
    next_cursor: str | None


class AuditEntryOut(OutSchema):
    id: int
    at: datetime
    actor: AgentRefOut | None
    action: str
    target_type: str
    target_id: str
    ip_address: str | None
    data: dict[str, Any]


class AuditPageOut(OutSchema):
    items: list[AuditEntryOut]
    next_cursor: str | None
