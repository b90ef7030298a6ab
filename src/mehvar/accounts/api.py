"""REST API for the accounts context: who am I, agents, teams, API tokens, the audit log.

Handlers are thin: parse, call a selector or service (which checks the role), shape output.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import AuthenticationError

from mehvar.accounts import selectors, services
from mehvar.accounts.models import Agent, Team
from mehvar.accounts.schemas import (
    AgentOut,
    AgentPageOut,
    AuditPageOut,
    PageQuery,
    TeamOut,
    TeamPageOut,
    TokenCreatedOut,
    TokenIn,
    TokenListQuery,
    TokenOut,
    TokenPageOut,
)
from mehvar.core.http import client_ip
from mehvar.core.pagination import Page

router = Router(tags=["accounts"])


def _actor(request: HttpRequest) -> Agent:
    """The authenticated agent (bearer token and session auth both set request.user)."""
    user = request.user
    if not isinstance(user, Agent):
        raise AuthenticationError
    return user



def _page(page: Page[Any]) -> dict[str, object]:
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/me", response=AgentOut, summary="The calling agent",
            operation_id="me")
def me(request: HttpRequest) -> Agent:
    actor = _actor(request)
    return selectors.agent_get(actor=actor, agent_id=actor.pk)


@router.get("/agents", response=AgentPageOut, summary="Active agents by username",
            operation_id="agent_list")
def agent_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return _page(selectors.agent_page(actor=_actor(request), cursor=query.cursor,
                                      limit=query.limit))


@router.get("/agents/{agent_id}", response=AgentOut, summary="One agent",
            operation_id="agent_get")
def agent_get(request: HttpRequest, agent_id: int) -> Agent:
    return selectors.agent_get(actor=_actor(request), agent_id=agent_id)


@router.get("/teams", response=TeamPageOut, summary="Teams by name, with lead and members",
            operation_id="team_list")
def team_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return _page(selectors.team_page(actor=_actor(request), cursor=query.cursor,
                                     limit=query.limit))


@router.get("/teams/{team_id}", response=TeamOut, summary="One team",
            operation_id="team_get")
def team_get(request: HttpRequest, team_id: int) -> Team:
    return selectors.team_get(actor=_actor(request), team_id=team_id)


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token",
             operation_id="token_create")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    issued = services.token_create(
        actor=_actor(request), name=payload.name, agent_id=payload.agent_id,
        expires_at=payload.expires_at, ip_address=client_ip(request),
    )
    shown = TokenOut.model_validate(issued.token).model_dump()
    return Status(201, TokenCreatedOut(**shown, secret=issued.secret))


@router.get("/tokens", response=TokenPageOut, summary="API tokens (never their secrets)",
            operation_id="token_list")
def token_list(request: HttpRequest, query: Query[TokenListQuery]) -> dict[str, object]:
    return _page(selectors.token_page(actor=_actor(request), agent_id=query.agent_id,
                                      cursor=query.cursor, limit=query.limit))


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token",
               operation_id="token_revoke")
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.token_revoke(actor=_actor(request), token_id=token_id, ip_address=client_ip(request))
    return Status(204, None)


@router.get("/audit-log", response=AuditPageOut, summary="Security audit log, newest first",
            operation_id="audit_log_list")
def audit_log(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return _page(selectors.audit_log_page(actor=_actor(request), cursor=query.cursor,
                                          limit=query.limit))
